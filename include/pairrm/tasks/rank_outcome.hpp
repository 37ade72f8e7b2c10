// `pairrm rank`'s modes and how a finished record's matrix becomes scores and ranks (docs/model.md
// section 6): full mode aggregates the matrix, the O(N) modes score by how far candidates got.
#pragma once

#include <vector>

#include "pairrm/choices.hpp"
#include "pairrm/schedule/planner.hpp"
#include "pairrm/tasks/aggregate.hpp"

namespace pairrm {

enum class RankMode { Full, Bubble, Knockout };
inline constexpr Choice<RankMode> kRankModes[] = {
    {"full", RankMode::Full, "all N(N-1) ordered pairs"},
    {"bubble", RankMode::Bubble, "LLM-Blender's best-of-N walk, 2(N-1) passes"},
    {"knockout", RankMode::Knockout, "single elimination, both orders per match, 2(N-1) passes"},
};
enum class Aggregate { MaxLogits, MaxWins, BradleyTerry };
inline constexpr Choice<Aggregate> kAggregates[] = {
    {"max_logits", Aggregate::MaxLogits, "mean of M[i][j] - M[j][i] (LLM-Blender's)"},
    {"max_wins", Aggregate::MaxWins, "wins over both orders"},
    {"bradley_terry", Aggregate::BradleyTerry, "Bradley-Terry log-strengths"},
};

struct RankOutcome {
  std::vector<double> scores;
  std::vector<int> ranks;
  int best = 0;
};

// Scores and ranks of a finished record. Full mode uses `aggregate`; the O(N) modes score by how far
// each candidate got: bubble = the step at which it was eliminated (the winner n), knockout = the
// rounds it survived, byes included.
RankOutcome rank_outcome(RankMode mode, Aggregate aggregate, const Planner& planner, const Matrix& m);

}  // namespace pairrm
