#include "pairrm/io/jsonl.hpp"

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace pairrm {

namespace {
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

bool JsonObject::has(std::string_view key) const { return !object_.at_key(key).error(); }

Result<std::string_view> JsonObject::string(std::string_view key) const {
  auto v = object_.at_key(key);
  if (v.error()) return error(std::string(key), "missing");
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
  auto v = object_.at_key(key);
  if (v.error()) return error(std::string(key), "missing");
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
  if (!std::getline(in_, raw_)) return false;
  ++line_;
  if (!raw_.empty() && raw_.back() == '\r') raw_.pop_back();
  return true;
}

Result<JsonObject> JsonlReader::parsed() {
  auto blank = raw_.find_first_not_of(" \t");
  if (blank == std::string::npos) return InputError{line_, "", "blank line"};
  buffer_ = simdjson::padded_string(raw_);
  auto doc = parser_.parse(buffer_);
  if (doc.error()) {
    const auto code = doc.error();
    std::string why = code == simdjson::UTF8_ERROR ? "invalid UTF-8" : std::string("malformed JSON: ") + simdjson::error_message(code);
    return InputError{line_, "", why};
  }
  auto obj = doc.value_unsafe().get_object();
  if (obj.error()) return InputError{line_, "", fmt::format("expected a JSON object, got {}", type_name(doc.value_unsafe().type()))};
  return JsonObject(obj.value_unsafe(), line_);
}

void append_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void append_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", v);
  }
}

void append_float(std::string& out, float v) {
  if (!std::isfinite(v)) {
    out += "null";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", v);
  }
}

void append_numbers(std::string& out, const std::vector<double>& v) {
  out += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    append_number(out, v[i]);
  }
  out += ']';
}

void append_ints(std::string& out, const std::vector<int>& v) {
  out += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(v[i]);
  }
  out += ']';
}

std::string extend_object(std::string_view raw, std::string_view fields) {
  const auto close = raw.find_last_of('}');
  const auto open = raw.find_first_of('{');
  std::string out(raw.substr(0, close));
  // Trailing spaces before the brace stay; an empty object gets no leading comma.
  const bool empty = raw.find_first_not_of(" \t\r\n", open + 1) == close;
  if (!fields.empty()) {
    if (!empty) out += ',';
    out += fields;
  }
  out += raw.substr(close);
  return out;
}

std::string describe(const InputError& e) {
  return fmt::format("line {}{}: {}", e.line, e.field.empty() ? "" : ", field \"" + e.field + "\"", e.message);
}

std::string error_object(const InputError& e) {
  std::string out = "{\"error\":{\"line\":" + std::to_string(e.line) + ",\"field\":";
  append_string(out, e.field);
  out += ",\"message\":";
  append_string(out, e.message);
  out += "}}";
  return out;
}

}  // namespace pairrm
