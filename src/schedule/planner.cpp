#include "pairrm/schedule/planner.hpp"

#include <random>

namespace pairrm {

namespace {

class FixedPlanner : public Planner {
 public:
  FixedPlanner(std::size_t n, std::vector<PairRequest> pairs) : Planner(n), pairs_(std::move(pairs)) {}
  std::vector<PairRequest> next_round(const Matrix&) override {
    std::vector<PairRequest> out;
    out.swap(pairs_);
    return out;
  }

 private:
  std::vector<PairRequest> pairs_;
};

// Draws the same permutation on every platform: std::shuffle and std::uniform_int_distribution are
// implementation-defined, mt19937_64's output is not. (The modulo bias is below 2^-40 for any n we see.)
std::vector<int> seeded_permutation(std::size_t n, uint64_t seed) {
  std::vector<int> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<int>(i);
  std::mt19937_64 rng(seed);
  for (std::size_t i = n; i > 1; --i) {
    const std::size_t j = rng() % i;
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

class BubblePlanner : public Planner {
 public:
  BubblePlanner(std::size_t n, uint64_t seed)
      : Planner(n), order_(seeded_permutation(n, seed)), survival_(n, static_cast<double>(n)) {}

  std::vector<PairRequest> next_round(const Matrix& m) override {
    if (n_ < 2 || finished_) return {};
    int cur = order_[0];
    if (pos_ > 0) {
      cur = current_;
      const int challenger = order_[pos_];
      if (match_winner(m, cur, challenger) == cur) {
        survival_[challenger] = pos_;
      } else {
        survival_[cur] = pos_;
        cur = challenger;
      }
    }
    current_ = cur;
    if (pos_ + 1 >= n_) {
      finished_ = true;
      return {};
    }
    const int challenger = order_[++pos_];
    return {{cur, challenger}, {challenger, cur}};
  }
  std::vector<double> survival() const override { return survival_; }

 private:
  std::vector<int> order_;
  std::vector<double> survival_;
  std::size_t pos_ = 0;
  int current_ = 0;
  bool finished_ = false;
};

class KnockoutPlanner : public Planner {
 public:
  explicit KnockoutPlanner(std::size_t n) : Planner(n), survival_(n, 0.0) {
    for (std::size_t i = 0; i < n; ++i) alive_.push_back(static_cast<int>(i));
  }

  std::vector<PairRequest> next_round(const Matrix& m) override {
    if (started_) {
      std::vector<int> next;
      for (std::size_t k = 0; k + 1 < alive_.size(); k += 2) {
        const int a = alive_[k], b = alive_[k + 1];
        next.push_back(match_winner(m, a, b));
      }
      if (alive_.size() % 2 == 1) next.push_back(alive_.back());  // the bye
      alive_.swap(next);
      for (int c : alive_) survival_[c] += 1;
    }
    started_ = true;
    std::vector<PairRequest> out;
    for (std::size_t k = 0; k + 1 < alive_.size(); k += 2) {
      out.push_back({alive_[k], alive_[k + 1]});
      out.push_back({alive_[k + 1], alive_[k]});
    }
    return out;
  }
  std::vector<double> survival() const override { return survival_; }

 private:
  std::vector<int> alive_;
  std::vector<double> survival_;
  bool started_ = false;
};

}  // namespace

std::unique_ptr<Planner> make_full_planner(std::size_t n) {
  std::vector<PairRequest> pairs;
  pairs.reserve(n * (n ? n - 1 : 0));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      if (i != j) pairs.push_back({static_cast<int>(i), static_cast<int>(j)});
    }
  }
  return std::make_unique<FixedPlanner>(n, std::move(pairs));
}

std::unique_ptr<Planner> make_fixed_planner(std::size_t n, std::vector<PairRequest> pairs) {
  return std::make_unique<FixedPlanner>(n, std::move(pairs));
}

std::unique_ptr<Planner> make_bubble_planner(std::size_t n, uint64_t seed) {
  return std::make_unique<BubblePlanner>(n, seed);
}

std::unique_ptr<Planner> make_knockout_planner(std::size_t n) { return std::make_unique<KnockoutPlanner>(n); }

}  // namespace pairrm
