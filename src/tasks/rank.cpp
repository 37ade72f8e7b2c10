#include "pairrm/tasks/rank.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "pairrm/io/json_writer.hpp"
#include "pairrm/text/utf8.hpp"

namespace pairrm {

int pick_reference(ReferenceChoice choice, std::size_t index, const std::vector<std::size_t>& lengths) {
  const int n = static_cast<int>(lengths.size());
  std::vector<int> by_length(n);
  std::iota(by_length.begin(), by_length.end(), 0);
  std::stable_sort(by_length.begin(), by_length.end(), [&](int a, int b) { return lengths[a] < lengths[b]; });
  switch (choice) {
    case ReferenceChoice::Index: return static_cast<int>(index);
    case ReferenceChoice::First: return 0;
    case ReferenceChoice::Last: return n - 1;
    case ReferenceChoice::Shortest: return by_length.front();  // stable: the first of the shortest
    case ReferenceChoice::Median: return by_length[n / 2];
    case ReferenceChoice::Longest: {
      int best = 0;  // Python's max() keeps the first of equals
      for (int i = 1; i < n; ++i)
        if (lengths[i] > lengths[best]) best = i;
      return best;
    }
    case ReferenceChoice::None: break;
  }
  return -1;
}

std::vector<double> reference_rewards(const Matrix& m, int reference, std::size_t n) {
  std::vector<double> r(n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    if (static_cast<int>(j) != reference) r[j] = m[j][reference] - m[reference][j];
  }
  return r;
}

namespace {
// Rank's state in a task with rewards against a reference: the reference's index among the
// candidates, and whether it is a line's "reference" text appended after them.
struct Reference {
  int index;
  bool appended;
};

std::unique_ptr<Planner> reference_planner(std::size_t total, int reference) {
  std::vector<PairRequest> pairs;
  for (int j = 0; j < static_cast<int>(total); ++j) {
    if (j == reference) continue;
    pairs.push_back({j, reference});
    pairs.push_back({reference, j});
  }
  return make_fixed_planner(total, std::move(pairs));
}
}  // namespace

Result<Task> RankHandler::make_task(const JsonObject& object) {
  auto candidates = object.string_array(options_.candidates_key);
  if (auto e = error_of(candidates)) return *e;
  const auto& finals = std::get<std::vector<std::string_view>>(candidates);
  if (finals.size() > options_.max_candidates) {
    return object.error(options_.candidates_key,
                        fmt::format("{} candidates, over --max-candidates {} (full mode would run {} pairs); raise the "
                                    "limit, or use --mode knockout or bubble (2(N-1) passes)",
                                    finals.size(), options_.max_candidates, finals.size() * (finals.size() - 1)));
  }
  auto made = rendered_task(object, options_.prompt_key, finals, options_.templ);
  if (auto e = error_of(made)) return *e;
  Task& task = std::get<Task>(made);
  const std::size_t n = task.candidates.size();

  if (!options_.reference_key.empty()) {
    auto reference_text = object.string(options_.reference_key);
    if (auto e = error_of(reference_text)) return *e;
    const std::string_view text = std::get<std::string_view>(reference_text);
    // The reference is rendered like a candidate (for conversations: as the final turn).
    auto ref = render_record(object, options_.prompt_key, {text}, options_.templ);
    if (auto e = error_of(ref)) return *e;
    task.candidates.push_back(std::get<Rendered>(ref).candidates.front());
    task.state = Reference{static_cast<int>(n), true};
    task.planner = reference_planner(n + 1, static_cast<int>(n));
    return made;
  }
  if (options_.reference != ReferenceChoice::None) {
    if (options_.reference == ReferenceChoice::Index && options_.reference_index >= n) {
      return object.error(options_.candidates_key, fmt::format("candidate {} is the reference, but the line has {} candidates (0 to {})",
                                                               options_.reference_index, n, n ? n - 1 : 0));
    }
    std::vector<std::size_t> lengths;
    for (const std::string_view text : finals) lengths.push_back(utf8::count(text));  // Python len()
    const int reference = pick_reference(options_.reference, options_.reference_index, lengths);
    task.state = Reference{reference, false};
    task.planner = reference_planner(n, reference);
    return made;
  }
  switch (options_.mode) {
    case RankMode::Full: task.planner = make_full_planner(n); break;
    case RankMode::Bubble: task.planner = make_bubble_planner(n, options_.seed); break;
    case RankMode::Knockout: task.planner = make_knockout_planner(n); break;
  }
  return made;
}

void write_matrix(JsonWriter& w, const Matrix& m) {
  w.begin_array();
  for (const auto& row : m) {
    w.begin_array();
    for (const double x : row) w.value_float(static_cast<float>(x));
    w.end_array();
  }
  w.end_array();
}

std::string RankHandler::finish(std::string_view raw, const Task& task, const Matrix& logits) {
  JsonWriter w(true);
  RankOutcome r;
  const auto* reference = std::any_cast<Reference>(&task.state);
  if (reference) {
    const std::size_t n = task.candidates.size() - (reference->appended ? 1 : 0);
    r.scores = reference_rewards(logits, reference->index, n);
    r.ranks = ranks_from_scores(r.scores);
    r.best = top_k(r.ranks, 1).empty() ? 0 : top_k(r.ranks, 1)[0];
    w.field("rewards", r.scores).key("reference_index");
    if (reference->appended) {
      w.null();
    } else {
      w.value(reference->index);
    }
    w.field("ranks", r.ranks);
  } else {
    r = rank_outcome(options_.mode, options_.aggregate, *task.planner, logits);
    w.field("ranks", r.ranks).field("scores", r.scores);
  }
  w.field("best", r.best);
  if (options_.top_k > 0) w.field("order", top_k(r.ranks, options_.top_k));
  if (options_.matrix) write_matrix(w.key("logits"), logits);
  // Every field rank writes in any mode: none of an earlier run's survives a re-rank.
  static const std::vector<std::string_view> kRankFields = {"ranks", "scores", "best", "order", "logits", "rewards",
                                                           "reference_index"};
  return extend_object(raw, w, kRankFields);
}

}  // namespace pairrm
