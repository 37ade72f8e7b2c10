// `pairrm rank`: best-of-N reranking of {"prompt" | "messages", "candidates": [...]} records.
#pragma once

#include <cstdint>
#include <string>

#include "pairrm/text/conversation.hpp"
#include "pairrm/tasks/rank_outcome.hpp"
#include "pairrm/tasks/task.hpp"

namespace pairrm {

// Rewards against a reference (LLM-Blender's rank_with_ref): which candidate is the reference.
enum class ReferenceChoice { None, Index, Longest, Shortest, Median, First, Last };
// The named ones (an index K is the other form of --reference).
inline constexpr Choice<ReferenceChoice> kReferenceChoices[] = {
    {"longest", ReferenceChoice::Longest, "the first of the longest candidates (characters)"},
    {"shortest", ReferenceChoice::Shortest, "the first of the shortest"},
    {"median", ReferenceChoice::Median, "index N//2 of the candidates sorted by length"},
    {"first", ReferenceChoice::First, ""},
    {"last", ReferenceChoice::Last, ""},
};

struct RankOptions {
  std::string prompt_key = "prompt";
  std::string candidates_key = "candidates";
  RankMode mode = RankMode::Full;
  Aggregate aggregate = Aggregate::MaxLogits;
  uint64_t seed = 0;      // bubble's permutation
  std::size_t top_k = 0;  // 0: no "order" field
  bool matrix = false;    // add "logits"
  Template templ = Template::LlmBlender;  // from the model file
  ReferenceChoice reference = ReferenceChoice::None;  // a candidate as the reference
  std::size_t reference_index = 0;                    // with ReferenceChoice::Index
  std::string reference_key;  // or: the reference is this field's text (every line must have it)
  // More candidates in a line are a located error: a record holds an N x N matrix, and full mode
  // runs N(N-1) pairs (1000: 999,000 pairs, 8 MB).
  std::size_t max_candidates = 1000;
};

class RankHandler : public RecordHandler {
 public:
  explicit RankHandler(RankOptions options) : options_(std::move(options)) {}
  Result<Task> make_task(const JsonObject& object) override;
  std::string finish(std::string_view raw, const Task& task, const Matrix& logits) override;

 private:
  RankOptions options_;
};

// The reference among candidates of these lengths, as LLM-Blender's rank_with_ref picks it from
// Python string lengths: longest/shortest = the first of the longest/shortest, median = the
// element at N//2 of the candidates stably sorted by length (the upper median when N is even).
int pick_reference(ReferenceChoice choice, std::size_t index, const std::vector<std::size_t>& lengths);

// reward_j = M[j][ref] - M[ref][j]; the reference gets 0.
std::vector<double> reference_rewards(const Matrix& m, int reference, std::size_t n);

// The "logits" field: N x N, diagonal and pairs not run as null, float32 values.
void write_matrix(class JsonWriter& w, const Matrix& m);

}  // namespace pairrm
