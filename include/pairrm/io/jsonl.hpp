// JSON Lines in: simdjson (DOM, one parser reused across lines) reads each line into a JsonObject
// whose accessors name the field at fault. Writing: io/json_writer.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "pairrm/error.hpp"
#include "pairrm/io/byte_input.hpp"

namespace simdjson::dom {
class object;
class parser;
}  // namespace simdjson::dom

namespace pairrm {

template <typename T>
using Result = std::variant<T, InputError>;

template <typename T>
const InputError* error_of(const Result<T>& r) {
  return std::get_if<InputError>(&r);
}

// One parsed input line: a JSON object. Valid until the reader moves to the next line.
class JsonObject {
 public:
  // `object` must outlive this view (the reader keeps it until its next line).
  JsonObject(const simdjson::dom::object& object, std::size_t line) : object_(&object), line_(line) {}
  bool has(std::string_view key) const;
  // Each accessor names the field in its error.
  Result<std::string_view> string(std::string_view key) const;
  Result<std::vector<std::string_view>> string_array(std::string_view key, bool allow_empty = false) const;
  Result<std::optional<std::string_view>> optional_string(std::string_view key) const;
  // key: an array of objects, each with the string fields `fields` (in that order); errors name
  // the element and field ("messages[2].role").
  Result<std::vector<std::vector<std::string_view>>> object_array(std::string_view key,
                                                                  const std::vector<std::string_view>& fields) const;
  // The top-level keys, in document order, duplicates included.
  std::vector<std::string_view> keys() const;
  // "missing", and when the object has a key close to `key` ("candidate"), that key and the option
  // that would read it.
  std::string missing(std::string_view key) const;
  std::size_t line() const { return line_; }
  InputError error(std::string field, std::string message) const { return {line_, std::move(field), std::move(message)}; }

 private:
  const simdjson::dom::object* object_;
  std::size_t line_;
};

class JsonlReader {
 public:
  // first_line: the number of the input's first line; byte_limit: no line starts after this many
  // bytes (a shard's range; the input is positioned at its start).
  explicit JsonlReader(ByteInput& in, std::size_t first_line = 1, std::size_t byte_limit = SIZE_MAX);
  // In-memory input (tests, one record from flags).
  explicit JsonlReader(std::istream& in, std::size_t first_line = 1, std::size_t byte_limit = SIZE_MAX);
  // Lines longer than this are read past, keeping only their start, and parsed() reports them: a
  // line without end cannot exhaust memory.
  void set_max_line_bytes(std::size_t n) { max_line_bytes_ = n; }
  ~JsonlReader();
  // Reads the next line that holds more than whitespace (blank lines are passed over, as jq does,
  // but counted in line numbers); false at the end of the input or when reading was stopped.
  // Then raw() is the line (without its newline) and parsed() is the object or the error that
  // names what is wrong with it.
  bool next();
  // True when next() returned false because the input's read was stopped or cancelled, not because
  // the input ended.
  bool stopped() const { return stopped_; }
  // From any thread: a next() blocked on the input returns false (stopped) now.
  void cancel() noexcept { input_->cancel(); }
  // See ByteInput::on_waiting.
  void on_waiting(std::function<void(bool)> hook) { input_->on_waiting(std::move(hook)); }
  std::string_view raw() const { return raw_; }
  std::size_t line() const { return line_; }
  // The next line read is numbered n (lines sent without their neighbours: `--server`).
  void number_next(std::size_t n) { line_ = n - 1; }
  Result<JsonObject> parsed();

 private:
  bool read_line();
  static constexpr std::size_t kBufferBytes = std::size_t{1} << 16;
  std::unique_ptr<ByteInput> owned_input_;
  ByteInput* input_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0, len_ = 0;  // unread bytes: buffer_[pos_, len_)
  bool stopped_ = false;
  std::string raw_;
  std::size_t line_ = 0;
  std::size_t bytes_left_;
  std::size_t max_line_bytes_ = std::size_t{64} << 20;
  std::size_t line_bytes_ = 0;  // the whole line's length, when it was cut
  struct Parsed;  // simdjson's parser, buffer and the current object
  std::unique_ptr<Parsed> parsed_;
};

// {"error":{"line":n,"field":"...","message":"..."}}; with `id` (the raw JSON of the line's id
// field, named `id_key`), {"<id_key>": <id>, "error": {...}} so the record can be joined back.
std::string error_object(const InputError& e, std::string_view id_key = {}, std::string_view id = {});

// `text` with every JSON number token replaced by 0, or nullopt when it holds none or a token that
// is not a valid JSON number. Lets lines whose pass-through fields hold numbers beyond 64 bits or
// a double's range be parsed; the output keeps the original bytes.
std::optional<std::string> numbers_as_zero(std::string_view text);
// The same for a person: line 3, field "candidates[1]": expected a string, got a number
std::string describe(const InputError& e);

}  // namespace pairrm
