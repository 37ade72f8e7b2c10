// From a record's logit matrix to scores and ranks (docs/model.md section 6). Pure functions.
#pragma once

#include <cstddef>
#include <vector>

#include "pairrm/matrix.hpp"

namespace pairrm {

// LLM-Blender's default: score_i = (1/n) sum_j (M[i][j] - M[j][i]), the diagonal counting 0.
std::vector<double> max_logits_scores(const Matrix& m);
// score_i = #{j: M[i][j] > 0} + #{j: M[j][i] < 0}.
std::vector<double> max_wins_scores(const Matrix& m);
// Bradley-Terry log-strengths fitted to soft targets sigmoid(M[i][j]) by maximum likelihood with a
// Gaussian prior of variance `prior_variance` on each strength; deterministic (Newton iterations
// from zero). Strengths are centred to mean 0.
std::vector<double> bradley_terry_scores(const Matrix& m, double prior_variance = 10.0);

// 1 = best; equal scores share the best rank ("1, 2, 2, 4").
std::vector<int> ranks_from_scores(const std::vector<double>& scores);
// Indices of the k best candidates, best first; ties broken by index.
std::vector<int> top_k(const std::vector<int>& ranks, std::size_t k);

}  // namespace pairrm
