#include <doctest/doctest.h>

#include <set>

#include "pairrm/schedule/planner.hpp"
#include "pairrm/tasks/rank_outcome.hpp"

using namespace pairrm;

namespace {
// Runs a planner to the end against a fixed "true" matrix; counts passes.
std::size_t drive(Planner& p, const Matrix& truth, Matrix& m) {
  std::size_t passes = 0;
  for (auto round = p.next_round(m); !round.empty(); round = p.next_round(m)) {
    for (auto r : round) {
      m[r.first][r.second] = truth[r.first][r.second];
      ++passes;
    }
  }
  return passes;
}
// Transitive: quality decreasing with index permuted by `q`.
Matrix transitive(const std::vector<double>& q) {
  Matrix m = nan_matrix(q.size());
  for (std::size_t i = 0; i < q.size(); ++i)
    for (std::size_t j = 0; j < q.size(); ++j)
      if (i != j) m[i][j] = q[i] - q[j];
  return m;
}
}  // namespace

TEST_CASE("full asks for every ordered pair once") {
  auto p = make_full_planner(4);
  Matrix m = nan_matrix(4);
  auto round = p->next_round(m);
  CHECK(round.size() == 12);
  std::set<std::pair<int, int>> seen;
  for (auto r : round) {
    CHECK(r.first != r.second);
    seen.insert({r.first, r.second});
  }
  CHECK(seen.size() == 12);
  CHECK(p->next_round(m).empty());
  CHECK(make_full_planner(1)->next_round(nan_matrix(1)).empty());
}

TEST_CASE("knockout of 16: 30 passes, the best of a transitive order wins") {
  std::vector<double> q(16);
  for (int i = 0; i < 16; ++i) q[i] = (i * 7) % 16;  // best is index 9 (q = 15)
  auto truth = transitive(q);
  auto p = make_knockout_planner(16);
  Matrix m = nan_matrix(16);
  CHECK(drive(*p, truth, m) == 30);
  auto r = rank_outcome(RankMode::Knockout, Aggregate::MaxLogits, *p, m);
  CHECK(r.best == 9);
  CHECK(r.scores[9] == 4);  // four rounds survived
  int runners_up = 0;
  for (int rank : r.ranks) runners_up += rank == 2;
  CHECK(runners_up == 1);
}

TEST_CASE("knockout with odd counts gives byes and still finds the transitive best") {
  for (std::size_t n : {2u, 3u, 5u, 7u, 9u}) {
    std::vector<double> q(n);
    for (std::size_t i = 0; i < n; ++i) q[i] = static_cast<double>((i * (n - 1)) % n);  // a permutation, best at 1
    auto p = make_knockout_planner(n);
    Matrix m = nan_matrix(n);
    const std::size_t passes = drive(*p, transitive(q), m);
    CHECK(passes == 2 * (n - 1));  // n - 1 matches, both orders
    auto r = rank_outcome(RankMode::Knockout, Aggregate::MaxLogits, *p, m);
    CHECK(q[r.best] == doctest::Approx(static_cast<double>(n - 1)));
  }
}

TEST_CASE("bubble: 2(n-1) passes, transitive best wins whatever the seed, seed reproducible") {
  std::vector<double> q = {0.3, 2.0, -1.0, 0.5, 1.5, 0.0};
  for (uint64_t seed : {0u, 1u, 42u}) {
    auto p = make_bubble_planner(6, seed);
    Matrix m = nan_matrix(6);
    CHECK(drive(*p, transitive(q), m) == 10);
    auto r = rank_outcome(RankMode::Bubble, Aggregate::MaxLogits, *p, m);
    CHECK(r.best == 1);
    CHECK(r.ranks[1] == 1);
    auto again = make_bubble_planner(6, seed);
    Matrix m2 = nan_matrix(6);
    drive(*again, transitive(q), m2);
    CHECK(rank_outcome(RankMode::Bubble, Aggregate::MaxLogits, *again, m2).scores == r.scores);
  }
}

TEST_CASE("intransitive rock-paper-scissors: the O(N) modes depend on the order, full mode ties") {
  // 0 beats 1, 1 beats 2, 2 beats 0, all by the same margin.
  Matrix truth = nan_matrix(3);
  truth[0][1] = 1; truth[1][0] = -1;
  truth[1][2] = 1; truth[2][1] = -1;
  truth[2][0] = 1; truth[0][2] = -1;
  auto full = ranks_from_scores(max_logits_scores(truth));
  CHECK(full == std::vector<int>{1, 1, 1});
  // Knockout in index order: 0 beats 1, then 2 (bye) beats 0.
  auto p = make_knockout_planner(3);
  Matrix m = nan_matrix(3);
  drive(*p, truth, m);
  auto r = rank_outcome(RankMode::Knockout, Aggregate::MaxLogits, *p, m);
  CHECK(r.best == 2);
  CHECK(r.ranks == std::vector<int>{2, 3, 1});
}

TEST_CASE("two-order margin") {
  Matrix m = nan_matrix(2);
  m[0][1] = 0.5;
  m[1][0] = -1.5;
  CHECK(two_order_margin(m, 0, 1) == doctest::Approx(2.0));
  CHECK(two_order_margin(m, 1, 0) == doctest::Approx(-2.0));
}

TEST_CASE("exact ties: the lower index wins in every mode") {
  // Every logit 0: every match is an exact tie.
  Matrix zeros(4, std::vector<double>(4, 0.0));
  CHECK(match_winner(zeros, 2, 1) == 1);
  CHECK(match_winner(zeros, 1, 2) == 1);
  auto ko = make_knockout_planner(4);
  Matrix m = nan_matrix(4);
  drive(*ko, zeros, m);
  CHECK(rank_outcome(RankMode::Knockout, Aggregate::MaxLogits, *ko, m).best == 0);
  for (uint64_t seed = 0; seed < 8; ++seed) {  // whatever order bubble draws
    auto bubble = make_bubble_planner(4, seed);
    Matrix mb = nan_matrix(4);
    drive(*bubble, zeros, mb);
    CHECK(rank_outcome(RankMode::Bubble, Aggregate::MaxLogits, *bubble, mb).best == 0);
  }
  auto full = make_full_planner(4);
  Matrix mf = nan_matrix(4);
  drive(*full, zeros, mf);
  const auto r = rank_outcome(RankMode::Full, Aggregate::MaxLogits, *full, mf);
  CHECK(r.best == 0);
  CHECK(r.ranks == std::vector<int>{1, 1, 1, 1});
}
