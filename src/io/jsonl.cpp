#include "pairrm/io/jsonl.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <unordered_set>

#include <simdjson.h>

#include "pairrm/did_you_mean.hpp"

#include <fmt/format.h>

#include "pairrm/io/json_writer.hpp"

namespace pairrm {

namespace {

// simdjson's DOM parser says what is wrong with a line, not where. Its on-demand parser, walked
// over every value, stops at the place: that is the column reported.
simdjson::error_code walk(simdjson::ondemand::value v, int depth) {
  namespace od = simdjson::ondemand;
  if (depth > 1024) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (auto e = v.get_object().get(object)) return e;
      for (auto field : object) {
        od::value inner;
        if (auto e = field.value().get(inner)) return e;
        if (auto e = walk(inner, depth + 1)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array array;
      if (auto e = v.get_array().get(array)) return e;
      for (auto item : array) {
        od::value inner;
        if (auto e = item.get(inner)) return e;
        if (auto e = walk(inner, depth + 1)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view text;
      return v.get_string().get(text);
    }
    case od::json_type::number: {
      double x;
      const auto e = v.get_double().get(x);
      return e == simdjson::NUMBER_ERROR ? simdjson::SUCCESS : e;  // out of range: not what is wrong
    }
    case od::json_type::boolean: {
      bool b;
      return v.get_bool().get(b);
    }
    case od::json_type::null: {
      bool null;
      return v.is_null().get(null);
    }
  }
  return simdjson::SUCCESS;
}

// 1-based byte column where a malformed line goes wrong, when the on-demand walk finds it.
std::optional<std::size_t> error_column(const simdjson::padded_string& line) {
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (parser.iterate(line).get(doc)) return std::nullopt;
  simdjson::ondemand::value root;
  simdjson::error_code e = doc.get_value().get(root);
  if (!e) e = walk(root, 0);
  const char* where = nullptr;
  if (!e || doc.current_location().get(where) || !where) return std::nullopt;
  return static_cast<std::size_t>(where - line.data()) + 1;
}

const char* type_name(simdjson::dom::element_type t) {
  using T = simdjson::dom::element_type;
  switch (t) {
    case T::ARRAY: return "an array";
    case T::OBJECT: return "an object";
    case T::INT64:
    case T::UINT64:
    case T::DOUBLE: return "a number";
    case T::STRING: return "a string";
    case T::BOOL: return "a boolean";
    case T::NULL_VALUE: return "null";
  }
  return "something else";
}
}  // namespace

std::string JsonObject::missing(std::string_view key) const {
  const auto near = closest_name(key, keys());
  if (!near) return "missing";
  // The subcommands' default keys each have an option that names another (--candidates-key).
  static constexpr std::string_view kDefaults[] = {"prompt", "candidates", "a", "b", "chosen", "rejected",
                                                   "subset", "conversation_a", "conversation_b"};
  std::string flag;
  for (const auto d : kDefaults) {
    if (d == key) {
      flag = "--" + std::string(key) + "-key";
      std::replace(flag.begin(), flag.end(), '_', '-');
    }
  }
  return "missing; the line has \"" + *near + "\"" +
         (flag.empty() ? std::string(": a misspelling?") : ": to read that key, pass " + flag + " " + *near);
}

bool JsonObject::has(std::string_view key) const { return !object_->at_key(key).error(); }

std::vector<std::string_view> JsonObject::keys() const {
  std::vector<std::string_view> out;
  for (auto field : *object_) out.push_back(field.key);
  return out;
}

Result<std::vector<std::vector<std::string_view>>> JsonObject::object_array(std::string_view key,
                                                                            const std::vector<std::string_view>& fields) const {
  auto v = object_->at_key(key);
  if (v.error()) return error(std::string(key), missing(key));
  auto arr = v.value_unsafe().get_array();
  if (arr.error()) {
    return error(std::string(key), fmt::format("expected an array of objects, got {}", type_name(v.value_unsafe().type())));
  }
  std::vector<std::vector<std::string_view>> out;
  std::size_t i = 0;
  for (auto item : arr.value_unsafe()) {
    const std::string where = fmt::format("{}[{}]", key, i++);
    auto obj = item.get_object();
    if (obj.error()) return error(where, fmt::format("expected an object, got {}", type_name(item.type())));
    std::vector<std::string_view> values;
    for (const std::string_view f : fields) {
      std::string_view s;
      if (obj.value_unsafe().at_key(f).get_string().get(s)) return error(where + "." + std::string(f), "missing or not a string");
      values.push_back(s);
    }
    out.push_back(std::move(values));
  }
  return out;
}

Result<std::string_view> JsonObject::string(std::string_view key) const {
  auto v = object_->at_key(key);
  if (v.error()) return error(std::string(key), missing(key));
  auto s = v.value_unsafe().get_string();
  if (s.error()) return error(std::string(key), fmt::format("expected a string, got {}", type_name(v.value_unsafe().type())));
  return s.value_unsafe();
}

Result<std::optional<std::string_view>> JsonObject::optional_string(std::string_view key) const {
  if (!has(key)) return std::optional<std::string_view>{};
  auto s = string(key);
  if (auto e = error_of(s)) return *e;
  return std::optional<std::string_view>{std::get<std::string_view>(s)};
}

Result<std::vector<std::string_view>> JsonObject::string_array(std::string_view key, bool allow_empty) const {
  auto v = object_->at_key(key);
  if (v.error()) return error(std::string(key), missing(key));
  auto arr = v.value_unsafe().get_array();
  if (arr.error()) {
    return error(std::string(key), fmt::format("expected an array of strings, got {}", type_name(v.value_unsafe().type())));
  }
  std::vector<std::string_view> out;
  std::size_t i = 0;
  for (auto item : arr.value_unsafe()) {
    auto s = item.get_string();
    if (s.error()) return error(fmt::format("{}[{}]", key, i), fmt::format("expected a string, got {}", type_name(item.type())));
    out.push_back(s.value_unsafe());
    ++i;
  }
  if (out.empty() && !allow_empty) return error(std::string(key), "empty list");
  return out;
}

bool JsonlReader::next() {
  // Whitespace between records is no record (jq reads it so): such lines are passed over, and
  // line numbers still count them.
  while (read_line()) {
    if (line_bytes_ > max_line_bytes_ || raw_.find_first_not_of(" \t\r") != std::string::npos) return true;
  }
  return false;
}

bool JsonlReader::read_line() {
  if (bytes_left_ == 0 || stopped_) return false;
  // Keeps at most max_line_bytes_ of a line however long it is, so a line without end cannot
  // exhaust memory.
  raw_.clear();
  line_bytes_ = 0;
  bool any = false, newline = false;
  while (true) {
    if (pos_ == len_) {
      std::size_t n = 0;
      const auto status = input_->read(buffer_.data(), buffer_.size(), n);
      if (status == ByteInput::Status::Stopped) {
        stopped_ = true;  // a partial line is dropped: the run ends before it
        return false;
      }
      if (status == ByteInput::Status::End) break;
      pos_ = 0;
      len_ = n;
    }
    const char* start = buffer_.data() + pos_;
    const auto* end = static_cast<const char*>(std::memchr(start, '\n', len_ - pos_));
    const std::size_t n = end ? static_cast<std::size_t>(end - start) : len_ - pos_;
    if (n > 0) any = true;
    if (raw_.size() < max_line_bytes_) raw_.append(start, std::min(n, max_line_bytes_ - raw_.size()));
    line_bytes_ += n;
    pos_ += n;
    if (end) {
      ++pos_;
      newline = true;
      break;
    }
  }
  if (!any && !newline) return false;
  ++line_;
  // A UTF-8 byte order mark at the start of the input (Windows editors write one) is no part of
  // the record: dropped, as most JSON tools drop it.
  if (line_ == 1 && raw_.rfind("\xEF\xBB\xBF", 0) == 0) raw_.erase(0, 3);
  const std::size_t used = line_bytes_ + (newline ? 1 : 0);
  bytes_left_ = used >= bytes_left_ ? 0 : bytes_left_ - used;
  if (line_bytes_ <= max_line_bytes_) {
    line_bytes_ = 0;
    if (!raw_.empty() && raw_.back() == '\r') raw_.pop_back();
  } else {
    raw_.resize(std::min<std::size_t>(raw_.size(), 1024));  // a refused line: keep only its start
    raw_.shrink_to_fit();
  }
  return true;
}

namespace {

constexpr std::string_view kArrayHint =
    "; JSONL holds one object per line: a file that is one JSON array converts with jq -c '.[]' FILE";

// UTF-16 text (a byte order mark, or the NUL bytes of its ASCII characters): say so, and how to
// convert, instead of reporting stray characters.
std::optional<std::string> utf16_hint(std::string_view raw) {
  // ASCII in UTF-16 is every other byte NUL; one stray NUL in a UTF-8 line is just bad JSON.
  const bool bom = raw.rfind("\xFF\xFE", 0) == 0 || raw.rfind("\xFE\xFF", 0) == 0;
  const auto nuls = static_cast<std::size_t>(std::count(raw.begin(), raw.end(), '\0'));
  if (!bom && (nuls == 0 || nuls * 4 < raw.size())) return std::nullopt;
  return std::string("the input looks like UTF-16 (") + (bom ? "a byte order mark" : "NUL bytes") +
         "); JSONL is UTF-8: convert it with iconv -f UTF-16 -t UTF-8 FILE";
}

// A line that is a piece of a larger JSON text (an array's bracket, a pretty-printed object's
// brace or "key": value line).
std::string not_jsonl_hint(std::string_view raw) {
  const auto begin = raw.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  std::string_view t = raw.substr(begin);
  t = t.substr(0, t.find_last_not_of(" \t") + 1);
  // "[{...},", "{...},", "{...}]": the lines of an array written one element a line.
  if (t[0] == '[' || (t[0] == '{' && t.size() > 1 && (t.back() == ',' || t.back() == ']'))) return std::string(kArrayHint);
  if (t[0] == '"' || t[0] == '}' || t[0] == ']' || t == "{") {
    return "; JSONL holds one whole object per line: pretty-printed JSON converts with jq -c . FILE (an array: "
           "jq -c '.[]' FILE)";
  }
  return "";
}

}  // namespace

struct JsonlReader::Parsed {
  simdjson::dom::parser parser;
  simdjson::padded_string buffer;
  simdjson::dom::object object;
};

JsonlReader::JsonlReader(ByteInput& in, std::size_t first_line, std::size_t byte_limit)
    : input_(&in), buffer_(kBufferBytes), line_(first_line - 1), bytes_left_(byte_limit),
      parsed_(std::make_unique<Parsed>()) {}
JsonlReader::JsonlReader(std::istream& in, std::size_t first_line, std::size_t byte_limit)
    : owned_input_(std::make_unique<StreamInput>(in)), input_(owned_input_.get()), buffer_(kBufferBytes),
      line_(first_line - 1), bytes_left_(byte_limit), parsed_(std::make_unique<Parsed>()) {}
JsonlReader::~JsonlReader() = default;

Result<JsonObject> JsonlReader::parsed() {
  if (line_bytes_ > max_line_bytes_) {
    return InputError{line_, "", fmt::format("a line of {} bytes; lines over {} bytes are refused (--max-line-bytes)",
                                             line_bytes_, max_line_bytes_)};
  }
  // simdjson's DOM takes some 14 bytes per input byte (tape, indexes, strings) and keeps its
  // capacity: after a very long line, give that back rather than hold it for the rest of the run.
  constexpr std::size_t kKeptCapacity = std::size_t{4} << 20;
  if (parsed_->parser.capacity() > kKeptCapacity && raw_.size() < kKeptCapacity) {
    if (parsed_->parser.allocate(kKeptCapacity)) throw Error("out of memory for the JSON parser");
  }
  parsed_->buffer = simdjson::padded_string(raw_);
  auto doc = parsed_->parser.parse(parsed_->buffer);
  if (doc.error() == simdjson::NUMBER_ERROR ||
      doc.error() == simdjson::NUMBER_OUT_OF_RANGE) {
    // Valid JSON numbers that do not fit a 64-bit integer or a double (18446744073709551616, 1e309)
    // may sit in fields we only pass through, byte for byte: parse a copy with every number as 0.
    // A field we read wants a string or an array of strings, so its error stays the same.
    if (auto zeroed = numbers_as_zero(raw_)) {
      parsed_->buffer = simdjson::padded_string(*zeroed);
      doc = parsed_->parser.parse(parsed_->buffer);
    }
  }
  if (doc.error()) {
    const auto code = doc.error();
    if (auto hint = utf16_hint(raw_)) return InputError{line_, "", *hint};
    if (code == simdjson::UTF8_ERROR) return InputError{line_, "", "invalid UTF-8"};
    const auto column = error_column(parsed_->buffer);
    return InputError{line_, "", fmt::format("malformed JSON{}: {}{}", column ? fmt::format(" at column {}", *column) : "",
                                             simdjson::error_message(code), not_jsonl_hint(raw_))};
  }
  auto obj = doc.value_unsafe().get_object();
  if (obj.error()) {
    const bool array = doc.value_unsafe().is_array();
    return InputError{line_, "", fmt::format("expected a JSON object, got {}{}", type_name(doc.value_unsafe().type()),
                                             array ? std::string(kArrayHint) : not_jsonl_hint(raw_))};
  }
  parsed_->object = obj.value_unsafe();
  JsonObject object(parsed_->object, line_);
  // {"prompt": "a", "prompt": "b"}: which one did the writer mean? Refuse rather than guess.
  std::unordered_set<std::string_view> seen;
  for (const std::string_view key : object.keys()) {
    if (!seen.insert(key).second) {
      return InputError{line_, std::string(key), "the key appears twice in this object; keep one"};
    }
  }
  return object;
}

std::optional<std::string> numbers_as_zero(std::string_view text) {
  // Hand-written: simdjson offers no way to keep an out-of-range number as text, and only number
  // tokens that are valid JSON may be replaced, or a malformed line would be made valid.
  std::string out;
  out.reserve(text.size());
  bool changed = false;
  std::size_t i = 0;
  auto digits = [&](std::size_t& k) {
    const std::size_t from = k;
    while (k < text.size() && text[k] >= '0' && text[k] <= '9') ++k;
    return k > from;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"') {  // a string, escapes skipped
      const std::size_t from = i;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
      ++i;
      out.append(text.substr(from, std::min(i, text.size()) - from));
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) {
      out += c;
      ++i;
      continue;
    }
    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    std::size_t k = i + (c == '-' ? 1 : 0);
    bool ok = k < text.size() && text[k] >= '0' && text[k] <= '9';
    if (ok && text[k] == '0') {
      ++k;
    } else if (ok) {
      digits(k);
    }
    if (ok && k < text.size() && text[k] == '.') ok = digits(++k);
    if (ok && k < text.size() && (text[k] == 'e' || text[k] == 'E')) {
      ++k;
      if (k < text.size() && (text[k] == '+' || text[k] == '-')) ++k;
      ok = digits(k);
    }
    if (!ok) return std::nullopt;  // not a JSON number: the line is malformed as it is
    out += '0';
    changed = true;
    i = k;
  }
  if (!changed) return std::nullopt;
  return out;
}

std::string describe(const InputError& e) {
  return fmt::format("line {}{}: {}", e.line, e.field.empty() ? "" : ", field \"" + e.field + "\"", e.message);
}

std::string error_object(const InputError& e, std::string_view id_key, std::string_view id) {
  JsonWriter w;
  w.begin_object();
  if (!id.empty()) w.key(id_key).raw_value(id);
  w.key("error").begin_object().field("line", e.line).field("field", e.field).field("message", e.message);
  w.end_object().end_object();
  return w.str();
}

}  // namespace pairrm
