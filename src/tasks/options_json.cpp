#include "pairrm/tasks/options_json.hpp"

#include <algorithm>
#include <vector>

#include <simdjson.h>

#include "pairrm/io/json_writer.hpp"

namespace pairrm {

namespace {

// rank's reference choice with its two forms that have no name in kReferenceChoices.
constexpr Choice<ReferenceChoice> kAllReferences[] = {
    {"none", ReferenceChoice::None, ""},   {"index", ReferenceChoice::Index, ""},
    {"longest", ReferenceChoice::Longest, ""}, {"shortest", ReferenceChoice::Shortest, ""},
    {"median", ReferenceChoice::Median, ""}, {"first", ReferenceChoice::First, ""},
    {"last", ReferenceChoice::Last, ""},
};

// The one list of each struct's fields; `v` writes or reads each.
template <typename V>
void fields(V& v, RankOptions& o) {
  v("prompt_key", o.prompt_key);
  v("candidates_key", o.candidates_key);
  v.choice("mode", o.mode, kRankModes);
  v.choice("aggregate", o.aggregate, kAggregates);
  v("seed", o.seed);
  v("top_k", o.top_k);
  v("matrix", o.matrix);
  v.choice("reference", o.reference, kAllReferences);
  v("reference_index", o.reference_index);
  v("reference_key", o.reference_key);
  v("max_candidates", o.max_candidates);
}

template <typename V>
void fields(V& v, CompareOptions& o) {
  v("prompt_key", o.prompt_key);
  v("a_key", o.a_key);
  v("b_key", o.b_key);
  v("conversation_a_key", o.conversation_a_key);
  v("conversation_b_key", o.conversation_b_key);
  v.choice("order", o.order, kOrders);
  v("echo_input", o.echo_input);
}

template <typename V>
void fields(V& v, EvalOptions& o) {
  v("prompt_key", o.prompt_key);
  v("chosen_key", o.chosen_key);
  v("rejected_key", o.rejected_key);
  v("subset_key", o.subset_key);
}

struct Writer {
  JsonWriter w;
  template <typename T>
  void operator()(std::string_view key, const T& value) {
    w.field(key, value);
  }
  template <typename E, std::size_t N>
  void choice(std::string_view key, E value, const Choice<E> (&table)[N]) {
    w.field(key, name_of(table, value));
  }
};

struct Reader {
  simdjson::dom::object object;
  std::vector<std::string_view> known;  // every field of the list, to refuse the others

  template <typename T>
  void operator()(std::string_view key, T& out) {
    known.push_back(key);
    simdjson::dom::element e;
    if (object.at_key(key).get(e)) return;
    bool bad = false;
    if constexpr (std::is_same_v<T, std::string>) {
      std::string_view s;
      bad = e.get(s) != simdjson::SUCCESS;
      if (!bad) out = std::string(s);
    } else if constexpr (std::is_same_v<T, bool>) {
      bad = e.get(out) != simdjson::SUCCESS;
    } else {
      uint64_t v = 0;
      bad = e.get(v) != simdjson::SUCCESS;
      if (!bad) out = static_cast<T>(v);
    }
    if (bad) throw Error("options." + std::string(key) + ": wrong type");
  }
  template <typename E, std::size_t N>
  void choice(std::string_view key, E& out, const Choice<E> (&table)[N]) {
    std::string name;
    (*this)(key, name);  // counts the key as known
    if (name.empty()) return;
    for (const auto& c : table) {
      if (c.name == name) {
        out = c.value;
        return;
      }
    }
    throw Error("options." + std::string(key) + ": unknown value \"" + name + "\"");
  }
};

template <typename Options>
std::string write(const Options& o) {
  Writer v;
  v.w.begin_object();
  fields(v, const_cast<Options&>(o));  // the writer only reads
  return v.w.end_object().str();
}

template <typename Options>
void read(std::string_view json, Options& o) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(json);
  Reader v;
  if (parser.parse(padded).get_object().get(v.object)) throw Error("options: expected a JSON object");
  fields(v, o);
  for (const auto field : v.object) {
    if (std::find(v.known.begin(), v.known.end(), field.key) == v.known.end()) {
      throw Error("options." + std::string(field.key) + ": not an option of this server's version");
    }
  }
}

}  // namespace

std::string options_json(const RankOptions& o) { return write(o); }
std::string options_json(const CompareOptions& o) { return write(o); }
std::string options_json(const EvalOptions& o) { return write(o); }
void options_from_json(std::string_view json, RankOptions& o) { read(json, o); }
void options_from_json(std::string_view json, CompareOptions& o) { read(json, o); }
void options_from_json(std::string_view json, EvalOptions& o) { read(json, o); }

}  // namespace pairrm
