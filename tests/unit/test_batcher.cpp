#include <doctest/doctest.h>

#include "pairrm/batcher.hpp"

using namespace pairrm;

TEST_CASE("batches respect the padded token budget and the pair cap") {
  const std::vector<std::size_t> lengths = {100, 90, 90, 50, 40, 40, 40, 10};
  auto b = cut_batches(lengths, {200, 100});
  // Longest first: 100 -> 2 rows (200 / 100: 100, 90); 90 -> 2 rows (90, 50); 40 -> 5 rows fit, 4 left.
  REQUIRE(b.size() == 3);
  CHECK(b[0] == std::make_pair<std::size_t, std::size_t>(0, 2));
  CHECK(b[1] == std::make_pair<std::size_t, std::size_t>(2, 4));
  CHECK(b[2] == std::make_pair<std::size_t, std::size_t>(4, 8));
  CHECK(b.back().second == lengths.size());
  auto capped = cut_batches(lengths, {100000, 3});
  CHECK(capped.size() == 3);
  for (auto [s, e] : capped) CHECK(e - s <= 3);
}

TEST_CASE("an item over the budget gets a batch of its own") {
  auto b = cut_batches({500, 20, 20}, {100, 64});
  REQUIRE(b.size() == 2);
  CHECK(b[0] == std::make_pair<std::size_t, std::size_t>(0, 1));
  CHECK(b[1] == std::make_pair<std::size_t, std::size_t>(1, 3));
  CHECK(cut_batches({}, {100, 4}).empty());
}
