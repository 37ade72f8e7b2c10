#include <doctest/doctest.h>

#include <numeric>

#include "pairrm/text/layout.hpp"

using namespace pairrm;

namespace {
TokenIds seq(int from, int n) {
  TokenIds v(n);
  std::iota(v.begin(), v.end(), from);
  return v;
}
Recipe pairrm_recipe(int S, int C) {
  Recipe r;
  r.name = "pairrm";
  r.source_max_length = S;
  r.candidate_max_length = C;
  r.total_max_length = S + 2 * C;
  return r;
}
}  // namespace

TEST_CASE("PairRM layout, hand-built: [CLS] src [SEP] [CLS] c1 [SEP] [CLS] c2 [SEP]") {
  Layout l(pairrm_recipe(1224, 412), SpecialTokens{});
  const TokenIds src = l.source_part({10, 11});
  CHECK(src == TokenIds{1, 128001, 10, 11, 2});
  std::vector<int64_t> ids;
  auto m = l.build(src, {20}, {30, 31, 32}, ids);
  CHECK(ids == std::vector<int64_t>{1, 128001, 10, 11, 2, 1, 128002, 20, 2, 1, 128003, 30, 31, 32, 2});
  CHECK(m == std::array<int64_t, 3>{1, 6, 10});
  CHECK(l.pair_length(src.size(), 1, 3) == ids.size());
}

TEST_CASE("truncation: source cut to S, cmax = (T - len(src)) // 2 for each candidate") {
  // S = 8, C = 5, T = 18. Source of 20 pieces -> [CLS] m p0..p4 [SEP] = 8 ids.
  Layout l(pairrm_recipe(8, 5), SpecialTokens{});
  const TokenIds src = l.source_part(seq(100, 20));
  CHECK(src == TokenIds{1, 128001, 100, 101, 102, 103, 104, 2});
  CHECK(l.candidate_budget(src.size()) == 5);
  // A short source leaves more room: len 5 -> cmax = (18 - 5) // 2 = 6 (more than C, as upstream).
  const TokenIds short_src = l.source_part({100, 101});
  CHECK(l.candidate_budget(short_src.size()) == 6);
  std::vector<int64_t> ids;
  l.build(short_src, seq(200, 50), seq(300, 1), ids);
  // c1: [CLS] m 200..202 [SEP] = 6 ids; c2 untouched.
  CHECK(ids == std::vector<int64_t>{1, 128001, 100, 101, 2, 1, 128002, 200, 201, 202, 2, 1, 128003, 300, 2});
  CHECK(ids.size() <= 18);
}

TEST_CASE("Better-PairRM layout: separate marker, the prompt keeps its end") {
  Recipe r = pairrm_recipe(10, 5);
  r.name = "better-pairrm";
  r.source_keeps_end = true;
  r.source_marker_separate = true;
  Layout l(r, SpecialTokens{});
  // S - 3 = 7 ids for encode(prompt): [CLS] + last 5 pieces + [SEP].
  CHECK(l.source_part(seq(100, 9)) == TokenIds{1, 128001, 2, 1, 104, 105, 106, 107, 108, 2});
  CHECK(l.source_part({}) == TokenIds{1, 128001, 2, 1, 2});
  std::vector<int64_t> ids;
  auto m = l.build(l.source_part({7}), {8}, {9}, ids);
  CHECK(m[0] == 1);
  CHECK(ids[m[1]] == 128002);
  CHECK(ids[m[2]] == 128003);
}

TEST_CASE("pair length never exceeds the total and is symmetric in the candidates") {
  Layout l(pairrm_recipe(1224, 412), SpecialTokens{});
  for (int s : {0, 5, 1300, 5000})
    for (int a : {0, 100, 411, 2000})
      for (int b : {0, 7, 900}) {
        const TokenIds src = l.source_part(seq(10, s));
        CHECK(l.pair_length(src.size(), a, b) <= 2048);
        CHECK(l.pair_length(src.size(), a, b) == l.pair_length(src.size(), b, a));
        std::vector<int64_t> ids;
        l.build(src, seq(10, a), seq(10, b), ids);
        CHECK(ids.size() == l.pair_length(src.size(), a, b));
      }
}
