#include <doctest/doctest.h>

#include <cmath>

#include "pairrm/tasks/aggregate.hpp"

using namespace pairrm;

namespace {
Matrix make(std::vector<std::vector<double>> rows) {
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i][i] = std::nan("");
  return rows;
}
}  // namespace

TEST_CASE("max_logits: (1/n) sum_j (M[i][j] - M[j][i]), hand computed") {
  // n = 3. score_0 = ((1 - -2) + (3 - 0.5)) / 3 = 5.5 / 3
  const Matrix m = make({{0, 1, 3}, {-2, 0, 4}, {0.5, -1, 0}});
  auto s = max_logits_scores(m);
  CHECK(s[0] == doctest::Approx(5.5 / 3));
  CHECK(s[1] == doctest::Approx(((-2 - 1) + (4 - -1)) / 3.0));
  CHECK(s[2] == doctest::Approx(((0.5 - 3) + (-1 - 4)) / 3.0));
  CHECK(ranks_from_scores(s) == std::vector<int>{1, 2, 3});
}

TEST_CASE("max_wins counts both orders; NaN pairs count for nobody") {
  const Matrix m = make({{0, 1, -3}, {-2, 0, 4}, {0.5, -1, 0}});
  // 0: M01>0, M02<0 no; M10<0 yes, M20<0 no -> 2. 1: M12>0, M01<0 no, M21<0 yes... M10>0 no -> 2.
  auto s = max_wins_scores(m);
  CHECK(s == std::vector<double>{2, 2, 2});
  CHECK(ranks_from_scores(s) == std::vector<int>{1, 1, 1});
}

TEST_CASE("ties share the best rank: 1, 2, 2, 4") {
  CHECK(ranks_from_scores({5, 3, 3, 1}) == std::vector<int>{1, 2, 2, 4});
  CHECK(ranks_from_scores({0, 0}) == std::vector<int>{1, 1});
  CHECK(top_k({2, 1, 2, 4}, 3) == std::vector<int>{1, 0, 2});
}

TEST_CASE("LLM-Blender README example: ranks [[3,1,2],[1,3,2]] from consistent logits") {
  // Logit matrices that agree with the published ranks (the published example ran real weights;
  // here the aggregation is what is checked): candidate order of quality 1 > 2 > 0, then 0 > 2 > 1.
  auto ranks_of = [](std::vector<double> quality) {
    Matrix m = nan_matrix(quality.size());
    for (std::size_t i = 0; i < quality.size(); ++i)
      for (std::size_t j = 0; j < quality.size(); ++j)
        if (i != j) m[i][j] = quality[i] - quality[j] + 0.1;  // not antisymmetric, like PairRM
    return ranks_from_scores(max_logits_scores(m));
  };
  CHECK(ranks_of({0.0, 2.0, 1.0}) == std::vector<int>{3, 1, 2});
  CHECK(ranks_of({2.0, 0.0, 1.0}) == std::vector<int>{1, 3, 2});
}

TEST_CASE("Bradley-Terry recovers the generating strengths' order and satisfies its optimality condition") {
  const std::vector<double> b = {1.0, 0.0, -0.5, 0.3};
  Matrix m = nan_matrix(4);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      if (i != j) m[i][j] = b[i] - b[j];  // sigmoid(M) = exact BT probabilities
  auto s = bradley_terry_scores(m, 1e9);  // negligible prior: the MLE recovers b up to a shift
  const double shift = s[0] - b[0];
  for (int i = 0; i < 4; ++i) CHECK(s[i] - shift == doctest::Approx(b[i]).epsilon(1e-6));
  CHECK(ranks_from_scores(s) == std::vector<int>{1, 3, 4, 2});
  // The prior shrinks strengths towards 0 but keeps the order.
  auto shrunk = bradley_terry_scores(m, 0.1);
  CHECK(std::abs(shrunk[0]) < std::abs(s[0]));
  CHECK(ranks_from_scores(shrunk) == std::vector<int>{1, 3, 4, 2});
}

TEST_CASE("Bradley-Terry with a perfectly separating matrix stays finite (the prior)") {
  Matrix m = nan_matrix(3);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      if (i != j) m[i][j] = i < j ? 50.0 : -50.0;
  auto s = bradley_terry_scores(m);
  for (double v : s) CHECK(std::isfinite(v));
  CHECK(ranks_from_scores(s) == std::vector<int>{1, 2, 3});
}
