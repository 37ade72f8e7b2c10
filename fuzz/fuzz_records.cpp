// JSONL records through every subcommand's handler, both templates, without a model: one result per
// line (a task or a located error), layouts within the recipe's limits with the markers where the
// layout says, ids in the vocabulary, and every output line a JSON object without a repeated key.
#include <set>
#include <sstream>
#include <string>

#include <simdjson.h>

#include "common.hpp"
#include "pairrm/io/json_writer.hpp"
#include "pairrm/io/jsonl.hpp"
#include "pairrm/tasks/compare.hpp"
#include "pairrm/tasks/eval.hpp"
#include "pairrm/tasks/rank.hpp"
#include "pairrm/text/layout.hpp"
#include "pairrm/text/text_encoder.hpp"

using namespace pairrm;

namespace {

void check_output(const std::string& line) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(line);
  simdjson::dom::object obj;
  FUZZ_CHECK(!parser.parse(padded).get_object().get(obj));
  std::set<std::string_view> keys;
  for (auto field : obj) FUZZ_CHECK(keys.insert(field.key).second);
}

Recipe recipe(bool better) {
  Recipe r;
  r.name = better ? "better-pairrm" : "pairrm";
  r.source_max_length = better ? 2030 : 1224;
  r.candidate_max_length = better ? 670 : 412;
  r.total_max_length = r.source_max_length + 2 * r.candidate_max_length;
  r.source_keeps_end = better;
  r.source_marker_separate = better;
  r.text_round_trip = better;
  r.text_source_max_length = r.source_max_length;
  r.text_candidate_max_length = r.candidate_max_length;
  r.template_name = better ? "better-pairrm" : "llm-blender";
  return r;
}

void run(std::string_view input, RecordHandler& handler, bool better) {
  const Recipe r = recipe(better);
  const TextEncoder encoder(fuzz_tokenizer(), r);
  const Layout layout(r, SpecialTokens{});
  std::istringstream in{std::string(input)};
  JsonlReader reader(in);
  while (reader.next()) {
    auto made = task_of_line(reader, handler);
    if (auto e = error_of(made.task)) {
      FUZZ_CHECK(e->line == reader.line() && !e->message.empty());
      check_output(made.error_record);
      continue;
    }
    Task& t = std::get<Task>(made.task);
    FUZZ_CHECK(t.planner && t.planner->size() == t.candidates.size());
    const TokenIds source = layout.source_part(encoder.source(t.source));
    FUZZ_CHECK(static_cast<int>(source.size()) <= r.source_max_length);
    std::vector<TokenIds> pieces;
    for (const auto& c : t.candidates) pieces.push_back(encoder.candidate(c));
    Matrix m = nan_matrix(t.candidates.size());
    for (auto round = t.planner->next_round(m); !round.empty(); round = t.planner->next_round(m)) {
      for (const PairRequest& p : round) {
        std::vector<int64_t> ids;
        const auto markers = layout.build(source, pieces[p.first], pieces[p.second], ids);
        FUZZ_CHECK(static_cast<int>(ids.size()) <= r.total_max_length);
        FUZZ_CHECK(ids.size() == layout.pair_length(source.size(), pieces[p.first].size(), pieces[p.second].size()));
        FUZZ_CHECK(ids[markers[0]] == 128001 && ids[markers[1]] == 128002 && ids[markers[2]] == 128003);
        for (const int64_t id : ids) FUZZ_CHECK(id >= 0 && id <= 128003);
        m[p.first][p.second] = static_cast<double>((p.first * 7 + p.second * 3) % 5) - 2.0;  // some logits
      }
    }
    check_output(handler.finish(reader.raw(), t, m));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 16) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const bool better : {false, true}) {
    const Template t = better ? Template::BetterPairRM : Template::LlmBlender;
    RankOptions ro;
    ro.templ = t;
    ro.matrix = true;
    ro.top_k = 2;
    RankHandler rank(ro);
    run(input, rank, better);
    RankOptions knockout = ro;
    knockout.mode = RankMode::Knockout;
    RankHandler ko(knockout);
    run(input, ko, better);
    RankOptions ref = ro;
    ref.reference = ReferenceChoice::Median;
    RankHandler refh(ref);
    run(input, refh, better);
    CompareOptions co;
    co.templ = t;
    CompareHandler compare(co);
    run(input, compare, better);
    EvalOptions eo;
    eo.templ = t;
    EvalHandler eval(eo);
    run(input, eval, better);
  }
  return 0;
}
