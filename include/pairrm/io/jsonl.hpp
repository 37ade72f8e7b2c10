// JSON Lines in and out. Reading uses simdjson (DOM, one parser reused across lines); writing keeps
// each input object's bytes and appends new fields before its closing brace.
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <simdjson.h>

#include "pairrm/error.hpp"

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
  JsonObject(simdjson::dom::object object, std::size_t line) : object_(object), line_(line) {}
  bool has(std::string_view key) const;
  // Each accessor names the field in its error.
  Result<std::string_view> string(std::string_view key) const;
  Result<std::vector<std::string_view>> string_array(std::string_view key, bool allow_empty = false) const;
  Result<std::optional<std::string_view>> optional_string(std::string_view key) const;
  simdjson::dom::object raw() const { return object_; }
  std::size_t line() const { return line_; }
  InputError error(std::string field, std::string message) const { return {line_, std::move(field), std::move(message)}; }

 private:
  simdjson::dom::object object_;
  std::size_t line_;
};

class JsonlReader {
 public:
  explicit JsonlReader(std::istream& in) : in_(in) {}
  // Reads the next line; false at end of input. Then raw() is the line (without its newline) and
  // parsed() is the object or the error that names what is wrong with it.
  bool next();
  std::string_view raw() const { return raw_; }
  std::size_t line() const { return line_; }
  Result<JsonObject> parsed();

 private:
  std::istream& in_;
  std::string raw_;
  std::size_t line_ = 0;
  simdjson::dom::parser parser_;
  simdjson::padded_string buffer_;
};

// Writing. Hand-written because simdjson (as packaged) only parses; the format is tiny.
void append_string(std::string& out, std::string_view s);
void append_number(std::string& out, double v);  // shortest round-trip form; NaN/inf -> null
void append_float(std::string& out, float v);    // a float32 logit, shortest round-trip form
void append_numbers(std::string& out, const std::vector<double>& v);
void append_ints(std::string& out, const std::vector<int>& v);

// The input object with `fields` (",\"k\":v,..." without the leading comma) appended before its
// closing brace. `raw` must be a JSON object (as accepted by JsonlReader).
std::string extend_object(std::string_view raw, std::string_view fields);
// {"error":{"line":n,"field":"...","message":"..."}}
std::string error_object(const InputError& e);
// The same for a person: line 3, field "candidates[1]": expected a string, got a number
std::string describe(const InputError& e);

}  // namespace pairrm
