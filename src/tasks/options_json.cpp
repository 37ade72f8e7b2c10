#include "pairrm/tasks/options_json.hpp"

#include <algorithm>
#include <type_traits>

#include <simdjson.h>

#include "pairrm/io/json_writer.hpp"

namespace pairrm {

namespace {

template <typename T>
void write_number(JsonWriter& w, T v) {
  w.raw_value(std::to_string(v));  // uint64 seeds past 2^63 stay exact
}

// The wire: every field, as it is.
struct Writer {
  JsonWriter w;
  template <typename T>
  void operator()(const T& value, const OptionDoc& d) {
    w.key(d.field);
    if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool>) {
      w.value(value);
    } else {
      write_number(w, value);
    }
  }
  template <typename E, std::size_t N>
  void choice(E value, const Choice<E> (&table)[N], const OptionDoc& d) {
    w.field(d.field, name_of(table, value));
  }
  void reference(ReferenceOption r, const OptionDoc& d) {
    if (r.choice == ReferenceChoice::None) return;  // absent: none
    w.key(d.field);
    if (r.choice == ReferenceChoice::Index) {
      write_number(w, r.index);
    } else {
      w.value(name_of(kReferenceChoices, r.choice));
    }
  }
};

// Reads the fields of `places` from an object: the wire (every field) or a request body (kBody).
struct Reader {
  const simdjson::dom::object& object;
  unsigned places;  // kWire: every field
  GivenOptions& given;
  std::vector<std::string_view> known;
  std::optional<OptionProblem> problem;

  bool take(const OptionDoc& d, simdjson::dom::element& e) {
    if (places != kWire && !(d.places & places)) return false;
    known.push_back(d.field);
    if (problem || object.at_key(d.field).get(e)) return false;
    given.insert(std::string(d.field));
    return true;
  }
  void fail(const OptionDoc& d, std::string message) { problem = OptionProblem{std::string(d.field), std::move(message)}; }

  template <typename T>
  void operator()(T& out, const OptionDoc& d) {
    simdjson::dom::element e;
    if (!take(d, e)) return;
    if constexpr (std::is_same_v<T, std::string>) {
      std::string_view s;
      if (e.get(s)) return fail(d, "expected a string");
      out = std::string(s);
    } else if constexpr (std::is_same_v<T, bool>) {
      if (e.get(out)) return fail(d, "expected true or false");
    } else {
      uint64_t v = 0;
      if (e.get(v) || (places == kBody && v < d.min)) return fail(d, "expected a whole number of at least " + std::to_string(d.min));
      out = static_cast<T>(v);
    }
  }
  template <typename E, std::size_t N>
  void choice(E& out, const Choice<E> (&table)[N], const OptionDoc& d) {
    simdjson::dom::element e;
    if (!take(d, e)) return;
    std::string_view name;
    if (e.get(name)) return fail(d, "expected one of " + choice_names(table));
    const auto* c = find_choice(table, name);
    if (!c) return fail(d, not_a_choice(table, name));
    out = c->value;
  }
  void reference(ReferenceOption r, const OptionDoc& d) {
    simdjson::dom::element e;
    if (!take(d, e)) return;
    uint64_t index = 0;
    if (!e.get(index)) {
      r.choice = ReferenceChoice::Index;
      r.index = index;
      return;
    }
    std::string_view text;
    if (e.get(text)) {
      return fail(d, "expected a candidate index (0, 1, ...) or one of " + choice_names(kReferenceChoices));
    }
    if (auto why = parse_reference(text, r.choice, r.index)) fail(d, *why);
  }
};

// GET /v1/options: the kBody options with their defaults.
struct Describer {
  JsonWriter& w;
  bool skip(const OptionDoc& d) { return !(d.places & kBody); }
  void begin(const OptionDoc& d, const char* type) {
    w.begin_object().field("name", d.field).field("type", type).field("help", d.help);
    if (d.min) w.field("min", static_cast<std::size_t>(d.min));
    w.key("default");
  }
  template <typename T>
  void operator()(const T& value, const OptionDoc& d) {
    if (skip(d)) return;
    if constexpr (std::is_same_v<T, std::string>) {
      begin(d, "string");
      w.value(value);
    } else if constexpr (std::is_same_v<T, bool>) {
      begin(d, "boolean");
      w.value(value);
    } else {
      begin(d, "integer");
      write_number(w, value);
    }
    w.end_object();
  }
  template <typename E, std::size_t N>
  void choice(E value, const Choice<E> (&table)[N], const OptionDoc& d) {
    if (skip(d)) return;
    begin(d, "choice");
    w.value(name_of(table, value)).key("choices").begin_array();
    for (const auto& c : table) w.value(c.name);
    w.end_array().end_object();
  }
  void reference(ReferenceOption r, const OptionDoc& d) {
    if (skip(d)) return;
    begin(d, "reference");  // an index, or one of the choices
    w.raw_value("null").key("choices").begin_array();
    for (const auto& c : kReferenceChoices) w.value(c.name);
    w.end_array().end_object();
  }
};

// The fields of `places`.
struct Names {
  unsigned places;
  std::vector<std::string_view> out;
  void add(const OptionDoc& d) {
    if (d.places & places) out.push_back(d.field);
  }
  template <typename T>
  void operator()(const T&, const OptionDoc& d) { add(d); }
  template <typename E, std::size_t N>
  void choice(const E&, const Choice<E> (&)[N], const OptionDoc& d) { add(d); }
  void reference(ReferenceOption, const OptionDoc& d) { add(d); }
};

template <typename Options>
std::string write(const Options& o) {
  Writer v;
  v.w.begin_object();
  visit_options(v, const_cast<Options&>(o));  // the writer only reads
  return v.w.end_object().str();
}

template <typename Options>
void read(std::string_view json, Options& o) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(json);
  simdjson::dom::object object;
  if (parser.parse(padded).get_object().get(object)) throw Error("options: expected a JSON object");
  GivenOptions given;
  Reader v{object, kWire, given, {}, {}};
  visit_options(v, o);
  if (v.problem) throw Error("options." + v.problem->field + ": " + v.problem->message);
  for (const auto field : object) {
    if (std::find(v.known.begin(), v.known.end(), field.key) == v.known.end()) {
      throw Error("options." + std::string(field.key) + ": not an option of this server's version");
    }
  }
}

template <typename Options>
std::optional<OptionProblem> read_body(const simdjson::dom::object& body, Options& o, GivenOptions& given) {
  Reader v{body, kBody, given, {}, {}};
  visit_options(v, o);
  return v.problem;
}

template <typename Options>
std::vector<std::string_view> fields_of(const Options& o) {
  Names v{kBody, {}};
  visit_options(v, const_cast<Options&>(o));  // only names are read
  return v.out;
}

template <typename Options>
void describe(JsonWriter& w, std::string_view key) {
  Options defaults;
  Describer v{w};
  w.key(key).begin_array();
  visit_options(v, defaults);
  w.end_array();
}

}  // namespace

std::string options_json(const RankOptions& o) { return write(o); }
std::string options_json(const CompareOptions& o) { return write(o); }
std::string options_json(const EvalOptions& o) { return write(o); }
void options_from_json(std::string_view json, RankOptions& o) { read(json, o); }
void options_from_json(std::string_view json, CompareOptions& o) { read(json, o); }
void options_from_json(std::string_view json, EvalOptions& o) { read(json, o); }

std::optional<OptionProblem> body_options(const simdjson::dom::object& body, RankOptions& o, GivenOptions& given) {
  return read_body(body, o, given);
}
std::optional<OptionProblem> body_options(const simdjson::dom::object& body, CompareOptions& o, GivenOptions& given) {
  return read_body(body, o, given);
}
std::vector<std::string_view> body_option_fields(const RankOptions& o) { return fields_of(o); }
std::vector<std::string_view> body_option_fields(const CompareOptions& o) { return fields_of(o); }

std::string body_options_description() {
  JsonWriter w;
  w.begin_object();
  describe<RankOptions>(w, "rank");
  describe<CompareOptions>(w, "compare");
  return w.end_object().str();
}

}  // namespace pairrm
