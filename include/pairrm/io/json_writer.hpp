// Writing JSON: every output field, summary and error record goes through JsonWriter.
// Hand-written because simdjson (as Debian packages it) only parses, and what we write is small:
// objects, arrays, strings, numbers (shortest round-trip form; NaN and infinities as null).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pairrm {

class JsonWriter {
 public:
  // members = true: the writer starts inside an object whose braces are not its own (fields to
  // append to an input object); extend_object() takes it.
  explicit JsonWriter(bool members = false);

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // A key in the current object. Writing one key twice in an object is a bug: throws Error.
  JsonWriter& key(std::string_view k);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(double v);
  JsonWriter& value_float(float v);  // a float32 (logits): its own shortest form, not the double's
  JsonWriter& value(int64_t v);
  JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(std::size_t v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(bool v);
  JsonWriter& null();
  // JSON text already valid (an input value passed through), written as it is.
  JsonWriter& raw_value(std::string_view json);
  template <typename T>
  JsonWriter& values(const std::vector<T>& v) {
    begin_array();
    for (const T& x : v) value(x);
    return end_array();
  }

  // key(k).value(v) in one call.
  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    if constexpr (std::is_same_v<T, std::vector<double>> || std::is_same_v<T, std::vector<int>> ||
                  std::is_same_v<T, std::vector<int64_t>> || std::is_same_v<T, std::vector<std::string>>) {
      return values(v);
    } else {
      return value(v);
    }
  }

  const std::string& str() const { return out_; }
  // The keys written at the outermost level (for members: the fields to append).
  const std::vector<std::string>& top_keys() const { return levels_.front().keys; }

 private:
  struct Level {
    explicit Level(bool is_object) : object(is_object) {}
    bool object;
    bool empty = true;
    bool after_key = false;
    std::vector<std::string> keys;
  };
  void before_value();
  std::string out_;
  std::vector<Level> levels_;
};

// The input object `raw` (a valid JSON object) with `fields` (a members writer) appended before its
// closing brace. Input members whose key the fields write are removed first, as jq's `. + {...}`
// replaces them: the output never holds a key twice. Input members named in `stale` go too (fields
// the subcommand writes in some modes and not others: re-ranking our own output leaves none of the
// earlier run's behind). Everything else keeps its bytes.
std::string extend_object(std::string_view raw, const JsonWriter& fields, const std::vector<std::string_view>& stale = {});

// The top-level keys of a valid JSON object, unescaped, in document order, with each member's byte
// span [begin, end) from its key's opening quote to the end of its value.
struct MemberSpan {
  std::string key;
  std::size_t begin, end;
};
std::vector<MemberSpan> top_level_members(std::string_view raw);
// The bytes of the value of `raw`'s top-level member `key` (the first of that name), or nullopt.
std::optional<std::string_view> raw_member_value(std::string_view raw, std::string_view key);

}  // namespace pairrm
