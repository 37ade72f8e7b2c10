#include "pairrm/io/json_writer.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <simdjson.h>

#include "pairrm/error.hpp"

namespace pairrm {

namespace {
void append_escaped(std::string& out, std::string_view s) {
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
// Shortest round-trip form; NaN and infinities have no JSON form and are written as null.
template <typename Number>
void append_number(std::string& out, Number v) {
  if (std::isfinite(v)) {
    fmt::format_to(std::back_inserter(out), "{}", v);
  } else {
    out += "null";
  }
}
}  // namespace

JsonWriter::JsonWriter(bool members) {
  if (members) levels_.emplace_back(true);
}

void JsonWriter::before_value() {
  if (levels_.empty()) return;
  Level& l = levels_.back();
  if (l.object) {
    if (!l.after_key) throw Error("JSON writer: a value without a key in an object (this is a bug)");
    l.after_key = false;
    return;
  }
  if (!l.empty) out_ += ',';
  l.empty = false;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  if (levels_.empty() || !levels_.back().object || levels_.back().after_key) {
    throw Error("JSON writer: a key outside an object (this is a bug)");
  }
  Level& l = levels_.back();
  if (std::find(l.keys.begin(), l.keys.end(), k) != l.keys.end()) {
    throw Error("JSON writer: the key \"" + std::string(k) + "\" written twice (this is a bug)");
  }
  l.keys.emplace_back(k);
  if (!l.empty) out_ += ',';
  l.empty = false;
  append_escaped(out_, k);
  out_ += ':';
  l.after_key = true;
  return *this;
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_ += '{';
  levels_.emplace_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  levels_.pop_back();
  out_ += '}';
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  levels_.emplace_back(false);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  levels_.pop_back();
  out_ += ']';
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  before_value();
  append_escaped(out_, s);
  return *this;
}

JsonWriter& JsonWriter::value(double v) {
  before_value();
  append_number(out_, v);
  return *this;
}

JsonWriter& JsonWriter::value_float(float v) {
  before_value();
  append_number(out_, v);  // fmt writes a float's own shortest form
  return *this;
}

JsonWriter& JsonWriter::value(int64_t v) {
  before_value();
  out_ += std::to_string(v);
  return *this;
}

JsonWriter& JsonWriter::value(bool v) {
  before_value();
  out_ += v ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw_value(std::string_view json) {
  before_value();
  out_ += json;
  return *this;
}

std::optional<std::string_view> raw_member_value(std::string_view raw, std::string_view key) {
  for (const MemberSpan& m : top_level_members(raw)) {
    if (m.key != key) continue;
    std::size_t i = m.begin + 1;  // past the key's string and its colon
    while (raw[i] != '"') i += raw[i] == '\\' ? 2 : 1;
    i = raw.find(':', i + 1) + 1;
    while (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') ++i;
    return raw.substr(i, m.end - i);
  }
  return std::nullopt;
}

std::vector<MemberSpan> top_level_members(std::string_view raw) {
  // A scanner over text simdjson has already validated: strings are skipped escape-aware, nesting
  // is counted, so only the top level's keys and commas are seen. Keys are unescaped by simdjson.
  std::vector<MemberSpan> out;
  thread_local simdjson::dom::parser key_parser;
  std::size_t i = raw.find('{') + 1;
  auto skip_ws = [&] {
    while (i < raw.size() && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r')) ++i;
  };
  auto skip_string = [&] {  // at the opening quote
    for (++i; i < raw.size() && raw[i] != '"'; ++i) {
      if (raw[i] == '\\') ++i;
    }
    ++i;
  };
  while (true) {
    skip_ws();
    if (i >= raw.size() || raw[i] != '"') break;  // '}' of an empty object
    MemberSpan m{{}, i, 0};
    skip_string();
    std::string_view key_token = raw.substr(m.begin, i - m.begin);
    std::string_view key;
    if (key_parser.parse(simdjson::padded_string(key_token)).get_string().get(key)) {
      throw Error("malformed key in an object already validated (this is a bug)");
    }
    m.key = std::string(key);
    skip_ws();
    ++i;  // ':'
    int depth = 0;
    for (; i < raw.size(); ++i) {
      const char c = raw[i];
      if (c == '"') {
        skip_string();
        --i;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (depth == 0) break;
        --depth;
      } else if (c == ',' && depth == 0) {
        break;
      }
    }
    std::size_t end = i;
    while (end > m.begin && (raw[end - 1] == ' ' || raw[end - 1] == '\t' || raw[end - 1] == '\r' || raw[end - 1] == '\n')) --end;
    m.end = end;
    out.push_back(std::move(m));
    if (i >= raw.size() || raw[i] == '}') break;
    ++i;  // ','
  }
  return out;
}

std::string extend_object(std::string_view raw, const JsonWriter& fields, const std::vector<std::string_view>& stale) {
  const auto& keys = fields.top_keys();
  std::string base;
  bool replaced = false;
  if (raw.find('"') != std::string_view::npos) {
    const auto members = top_level_members(raw);
    std::vector<const MemberSpan*> keep;
    for (const MemberSpan& m : members) {
      if (std::find(keys.begin(), keys.end(), m.key) == keys.end() &&
          std::find(stale.begin(), stale.end(), m.key) == stale.end()) {
        keep.push_back(&m);
      } else {
        replaced = true;
      }
    }
    if (replaced) {
      // Rebuild from the kept members' own bytes, joined by the separators that preceded them.
      base = std::string(raw.substr(0, members.front().begin));
      for (std::size_t k = 0; k < keep.size(); ++k) {
        if (k) base += ',';
        base.append(raw.substr(keep[k]->begin, keep[k]->end - keep[k]->begin));
      }
      base.append(raw.substr(members.back().end));
    }
  }
  const std::string_view object = replaced ? std::string_view(base) : raw;
  const auto close = object.find_last_of('}');
  const auto open = object.find_first_of('{');
  std::string out(object.substr(0, close));
  // Trailing spaces before the brace stay; an empty object gets no leading comma.
  const bool empty = object.find_first_not_of(" \t\r\n", open + 1) == close;
  if (!fields.str().empty()) {
    if (!empty) out += ',';
    out += fields.str();
  }
  out += object.substr(close);
  return out;
}

}  // namespace pairrm
