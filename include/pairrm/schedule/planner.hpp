// Which pairs a record needs. `full` asks for every ordered pair in one round; `bubble` and
// `knockout` are rounds whose next pairs depend on earlier logits, so the pipeline calls
// next_round() again once a round's logits are in the matrix.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "pairrm/matrix.hpp"

namespace pairrm {

struct PairRequest {
  int first = 0;   // candidate in the candidate1 slot
  int second = 0;  // candidate in the candidate2 slot
};

class Planner {
 public:
  explicit Planner(std::size_t n) : n_(n) {}
  virtual ~Planner() = default;
  // The pairs to run next, given the logits so far; empty when the record is complete.
  virtual std::vector<PairRequest> next_round(const Matrix& m) = 0;
  std::size_t size() const { return n_; }
  // How far each candidate got, for the O(N) modes (empty for planners that run fixed pairs).
  virtual std::vector<double> survival() const { return {}; }

 protected:
  std::size_t n_;
};

// Every ordered pair i != j, one round.
std::unique_ptr<Planner> make_full_planner(std::size_t n);
// Explicit pairs, one round (compare, eval, reference rewards).
std::unique_ptr<Planner> make_fixed_planner(std::size_t n, std::vector<PairRequest> pairs);
// LLM-Blender's get_best_of_n walk over a permutation drawn from `seed`: n-1 two-order comparisons.
std::unique_ptr<Planner> make_bubble_planner(std::size_t n, uint64_t seed);
// Single elimination in index order, both orders per match, a bye for the last one of an odd round.
std::unique_ptr<Planner> make_knockout_planner(std::size_t n);

}  // namespace pairrm
