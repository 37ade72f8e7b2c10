#include "pairrm/tasks/rank_outcome.hpp"

namespace pairrm {

RankOutcome rank_outcome(RankMode mode, Aggregate aggregate, const Planner& planner, const Matrix& m) {
  RankOutcome out;
  if (mode == RankMode::Full) {
    switch (aggregate) {
      case Aggregate::MaxLogits: out.scores = max_logits_scores(m); break;
      case Aggregate::MaxWins: out.scores = max_wins_scores(m); break;
      case Aggregate::BradleyTerry: out.scores = bradley_terry_scores(m); break;
    }
  } else {
    out.scores = planner.survival();
  }
  if (out.scores.size() != planner.size()) out.scores.assign(planner.size(), 0.0);  // n = 1
  out.ranks = ranks_from_scores(out.scores);
  out.best = top_k(out.ranks, 1).empty() ? 0 : top_k(out.ranks, 1)[0];
  return out;
}

}  // namespace pairrm
