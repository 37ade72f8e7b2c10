// A record's logit matrix: the one data structure that planners (schedule/), the pipeline and the
// subcommands' aggregates (tasks/) all read, so it sits below every layer.
#pragma once

#include <cstddef>
#include <vector>

namespace pairrm {

// M[i][j] = logit with candidate i in the candidate1 slot, j in candidate2. NaN where not computed
// (the diagonal, and pairs an O(N) mode never ran).
using Matrix = std::vector<std::vector<double>>;

Matrix nan_matrix(std::size_t n);

// "Margin" of a two-order comparison: M[i][j] - M[j][i] (positive: i better).
double two_order_margin(const Matrix& m, int i, int j);

// The winner of a two-order match: the one the margin favours; on an exact tie the lower index (the
// tie rule of every mode: full mode's `best` is the lowest index among tied bests too).
int match_winner(const Matrix& m, int i, int j);

}  // namespace pairrm
