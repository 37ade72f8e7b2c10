#include "pairrm/rank.hpp"

#include <cmath>

namespace pairrm {

Result<Task> RankHandler::make_task(const JsonObject& object) {
  auto prompt = object.string(options_.prompt_key);
  if (auto e = error_of(prompt)) return *e;
  auto candidates = object.string_array(options_.candidates_key);
  if (auto e = error_of(candidates)) return *e;
  Task task;
  task.source = std::string(std::get<std::string_view>(prompt));
  for (auto c : std::get<std::vector<std::string_view>>(candidates)) task.candidates.emplace_back(c);
  const std::size_t n = task.candidates.size();
  switch (options_.mode) {
    case RankMode::Full: task.planner = make_full_planner(n); break;
    case RankMode::Bubble: task.planner = make_bubble_planner(n, options_.seed); break;
    case RankMode::Knockout: task.planner = make_knockout_planner(n); break;
  }
  return task;
}

void append_matrix(std::string& out, const Matrix& m) {
  out += '[';
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (i) out += ',';
    out += '[';
    for (std::size_t j = 0; j < m[i].size(); ++j) {
      if (j) out += ',';
      append_float(out, static_cast<float>(m[i][j]));
    }
    out += ']';
  }
  out += ']';
}

std::string RankHandler::finish(std::string_view raw, const Task& task, const Matrix& logits) {
  const RankOutcome r = rank_outcome(options_.mode, options_.aggregate, *task.planner, logits);
  std::string fields = "\"ranks\":";
  append_ints(fields, r.ranks);
  fields += ",\"scores\":";
  append_numbers(fields, r.scores);
  fields += ",\"best\":" + std::to_string(r.best);
  if (options_.top_k > 0) {
    fields += ",\"order\":";
    append_ints(fields, top_k(r.ranks, options_.top_k));
  }
  if (options_.matrix) {
    fields += ",\"logits\":";
    append_matrix(fields, logits);
  }
  return extend_object(raw, fields);
}

}  // namespace pairrm
