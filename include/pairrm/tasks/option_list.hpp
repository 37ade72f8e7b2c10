// The options of rank, compare and eval, declared once: each with its field name (request bodies,
// the --server wire, GET /v1/options), its flag (the command line), its help, where it is read,
// whether it changes the output, and the smallest number it takes. Everything that handles these
// options walks these lists with a visitor: the CLI's registration and its run manifest
// (cli/options.cpp), the wire and the server's request fields (options_json.cpp), the server's
// description of its options (GET /v1/options), and the rules between options (check_options).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "pairrm/tasks/compare.hpp"
#include "pairrm/tasks/eval.hpp"
#include "pairrm/tasks/rank.hpp"

namespace pairrm {

// Where an option is read besides the --server wire (which carries every option): the command
// line, and the fields of a /v1/rank or /v1/compare request.
enum OptionPlace : unsigned { kWire = 0, kCli = 1, kBody = 2 };

struct OptionDoc {
  std::string_view field;  // "top_k"
  std::string_view flag;   // "--top-k"
  std::string_view help;
  unsigned places = kCli;
  bool output = true;  // changes the output bytes: recorded in the run manifest, compared by --resume
  uint64_t min = 0;    // a number given must be at least this (a default may be below: top_k 0 = off)
  std::string_view env = {};  // the command line also reads this environment variable
};

// rank's --reference: an index K or a name; the value None is "not given".
struct ReferenceOption {
  ReferenceChoice& choice;
  std::size_t& index;
};
// "longest", "0", ...: the choice it names, or the message saying what is expected.
std::optional<std::string> parse_reference(std::string_view text, ReferenceChoice& choice, std::size_t& index);
// The text form: "" (none), an index, or a name.
std::string reference_text(ReferenceChoice choice, std::size_t index);

// Each visitor has operator()(T& value, const OptionDoc&) for std::string, uint64_t, std::size_t
// and bool, choice(E& value, table, doc) for enums, and reference(ReferenceOption, doc).
template <typename V>
void visit_options(V& v, RankOptions& o) {
  v(o.prompt_key, {"prompt_key", "--prompt-key", "key of the prompt"});
  v(o.candidates_key, {"candidates_key", "--candidates-key", "key of the candidate list"});
  v.choice(o.mode, kRankModes,
           {"mode", "--mode", "which pairs run; an exact tie goes to the lower index in every mode", kCli | kBody});
  v.choice(o.aggregate, kAggregates, {"aggregate", "--aggregate", "full mode's scores", kCli | kBody});
  v(o.seed, {"seed", "--seed", "bubble mode's random order", kCli | kBody});
  v(o.top_k, {"top_k", "--top-k", "add \"order\": the K best candidate indices", kCli | kBody, true, 1});
  v(o.matrix, {"matrix", "--matrix",
               "add \"logits\": the N x N logit matrix, null where no pair ran (the diagonal); with a reference "
               "text, (N+1) x (N+1), the reference last",
               kCli | kBody});
  v.reference(ReferenceOption{o.reference, o.reference_index},
              {"reference", "--reference",
               "rewards against one of the candidates, 2(N-1) passes: K (an index) | longest | shortest | median | "
               "first | last, by length in characters as LLM-Blender's rank_with_ref",
               kCli | kBody});
  // The server reads a reference text from each record's "reference_text" (record_jobs.cpp).
  v(o.reference_key, {"reference_key", "--reference-key",
                      "rewards against the text in this field of each line (2N passes), e.g. reference"});
  // The server's limit is its own --max-candidates.
  v(o.max_candidates, {"max_candidates", "--max-candidates", "lines with more candidates become error records", kCli,
                       true, 1});
}

template <typename V>
void visit_options(V& v, CompareOptions& o) {
  v(o.prompt_key, {"prompt_key", "--prompt-key", "key of the prompt"});
  v(o.a_key, {"a_key", "--a-key", "key of answer A"});
  v(o.b_key, {"b_key", "--b-key", "key of answer B"});
  v(o.conversation_a_key, {"conversation_a_key", "--conversation-a-key",
                           "key of conversation A (a record of two conversations sharing their user turns)"});
  v(o.conversation_b_key, {"conversation_b_key", "--conversation-b-key", "key of conversation B"});
  v.choice(o.order, kOrders, {"order", "--order", "which orders run", kCli | kBody});
  // Set by the CLI for one pair from --prompt/--a/--b: print the result fields only.
  v(o.echo_input, {"echo_input", "", "", kWire, false});
}

template <typename V>
void visit_options(V& v, EvalOptions& o) {
  v(o.subset_key, {"subset_key", "--subset-key", "key of the subset name"});
  v(o.prompt_key, {"prompt_key", "--prompt-key", "key of the prompt"});
  v(o.chosen_key, {"chosen_key", "--chosen-key", "key of the preferred answer"});
  v(o.rejected_key, {"rejected_key", "--rejected-key", "key of the other answer"});
}

// An option at fault: its field, and a message that names options through `name` (the CLI passes
// the flag, the server the field).
struct OptionProblem {
  std::string field;
  std::string message;
};
using OptionName = std::function<std::string(std::string_view field)>;
using GivenOptions = std::set<std::string, std::less<>>;  // fields given explicitly

// The rules between options: one that would change nothing in the chosen mode is refused, as is a
// pair of options that contradict each other.
std::optional<OptionProblem> check_options(const RankOptions& o, const GivenOptions& given, const OptionName& name);
inline std::optional<OptionProblem> check_options(const CompareOptions&, const GivenOptions&, const OptionName&) {
  return std::nullopt;
}
inline std::optional<OptionProblem> check_options(const EvalOptions&, const GivenOptions&, const OptionName&) {
  return std::nullopt;
}

}  // namespace pairrm
