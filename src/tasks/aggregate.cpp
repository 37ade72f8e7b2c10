#include "pairrm/tasks/aggregate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace pairrm {

namespace {
double at(const Matrix& m, std::size_t i, std::size_t j) {
  const double v = m[i][j];
  return std::isnan(v) ? 0.0 : v;
}
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
}  // namespace


std::vector<double> max_logits_scores(const Matrix& m) {
  const std::size_t n = m.size();
  std::vector<double> s(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    double sum = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      if (i != j) sum += at(m, i, j) - at(m, j, i);
    }
    s[i] = sum / static_cast<double>(n);
  }
  return s;
}

std::vector<double> max_wins_scores(const Matrix& m) {
  const std::size_t n = m.size();
  std::vector<double> s(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      if (m[i][j] > 0) s[i] += 1;  // NaN compares false: pairs not run count for nobody
      if (m[j][i] < 0) s[i] += 1;
    }
  }
  return s;
}

std::vector<double> bradley_terry_scores(const Matrix& m, double prior_variance) {
  // Model: P(i beats j) = sigmoid(b_i - b_j). Each computed ordered pair (i, j) contributes the soft
  // outcome y = sigmoid(M[i][j]) for "i beats j". Maximize sum y log p + (1-y) log(1-p) - b^2 / 2v.
  // The objective is strictly concave, so Newton's method from b = 0 converges; the Hessian is
  // dense n x n, solved by Gaussian elimination (n is a candidate count, small).
  const std::size_t n = m.size();
  std::vector<double> b(n, 0.0);
  for (int iter = 0; iter < 50; ++iter) {
    std::vector<double> grad(n, 0.0);
    std::vector<std::vector<double>> hess(n, std::vector<double>(n, 0.0));
    for (std::size_t i = 0; i < n; ++i) {
      grad[i] -= b[i] / prior_variance;
      hess[i][i] += 1.0 / prior_variance;
      for (std::size_t j = 0; j < n; ++j) {
        if (i == j || std::isnan(m[i][j])) continue;
        const double y = sigmoid(m[i][j]);
        const double p = sigmoid(b[i] - b[j]);
        grad[i] += y - p;
        grad[j] -= y - p;
        const double w = p * (1 - p);
        hess[i][i] += w;
        hess[j][j] += w;
        hess[i][j] -= w;
        hess[j][i] -= w;
      }
    }
    // Solve hess * step = grad (hess is the negative Hessian, positive definite).
    std::vector<double> step = grad;
    for (std::size_t c = 0; c < n; ++c) {
      std::size_t pivot = c;
      for (std::size_t r = c + 1; r < n; ++r) {
        if (std::abs(hess[r][c]) > std::abs(hess[pivot][c])) pivot = r;
      }
      std::swap(hess[c], hess[pivot]);
      std::swap(step[c], step[pivot]);
      for (std::size_t r = c + 1; r < n; ++r) {
        const double f = hess[r][c] / hess[c][c];
        for (std::size_t k = c; k < n; ++k) hess[r][k] -= f * hess[c][k];
        step[r] -= f * step[c];
      }
    }
    for (std::size_t c = n; c-- > 0;) {
      for (std::size_t k = c + 1; k < n; ++k) step[c] -= hess[c][k] * step[k];
      step[c] /= hess[c][c];
    }
    double largest = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      b[i] += step[i];
      largest = std::max(largest, std::abs(step[i]));
    }
    if (largest < 1e-12) break;
  }
  const double mean = n ? std::accumulate(b.begin(), b.end(), 0.0) / static_cast<double>(n) : 0.0;
  for (double& v : b) v -= mean;
  return b;
}

std::vector<int> ranks_from_scores(const std::vector<double>& scores) {
  std::vector<int> ranks(scores.size(), 1);
  for (std::size_t i = 0; i < scores.size(); ++i) {
    for (std::size_t j = 0; j < scores.size(); ++j) {
      if (scores[j] > scores[i]) ++ranks[i];
    }
  }
  return ranks;
}

std::vector<int> top_k(const std::vector<int>& ranks, std::size_t k) {
  std::vector<int> order(ranks.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return ranks[a] < ranks[b]; });
  order.resize(std::min(k, order.size()));
  return order;
}

}  // namespace pairrm
