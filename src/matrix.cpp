#include "pairrm/matrix.hpp"

#include <limits>

namespace pairrm {

Matrix nan_matrix(std::size_t n) {
  return Matrix(n, std::vector<double>(n, std::numeric_limits<double>::quiet_NaN()));
}

double two_order_margin(const Matrix& m, int i, int j) { return m[i][j] - m[j][i]; }

int match_winner(const Matrix& m, int i, int j) {
  const double margin = two_order_margin(m, i, j);
  if (margin > 0) return i;
  if (margin < 0) return j;
  return i < j ? i : j;
}

}  // namespace pairrm
