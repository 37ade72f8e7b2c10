#include <doctest/doctest.h>

#include "pairrm/schedule/batcher.hpp"

using namespace pairrm;

TEST_CASE("padded lengths depend on the length alone") {
  CHECK(padded_length(1) == 16);
  CHECK(padded_length(16) == 16);
  CHECK(padded_length(17) == 32);
  CHECK(padded_length(256) == 256);
  CHECK(padded_length(257) == 288);
  CHECK(padded_length(1025) == 1088);
  for (std::size_t n = 1; n < 4000; ++n) {
    CHECK(padded_length(n) >= n);
    CHECK(padded_length(n) <= n + n / 16 + 16);
  }
}

TEST_CASE("batches respect the padded token budget and the pair cap, one padded length each") {
  const std::vector<std::size_t> lengths = {100, 98, 97, 50, 40, 40, 40, 10};
  auto b = cut_batches(lengths, {224, 100});
  // Padded: 112, 112, 112, 64, 48, 48, 48, 16. 224 / 112 = 2 rows; then 112 alone (next is 64);
  // 64 alone (next pads to 48); 48 x 3; 16.
  REQUIRE(b.size() == 5);
  CHECK(b[0] == std::make_pair<std::size_t, std::size_t>(0, 2));
  CHECK(b[1] == std::make_pair<std::size_t, std::size_t>(2, 3));
  CHECK(b[2] == std::make_pair<std::size_t, std::size_t>(3, 4));
  CHECK(b[3] == std::make_pair<std::size_t, std::size_t>(4, 7));
  CHECK(b.back().second == lengths.size());
  auto capped = cut_batches(lengths, {100000, 3});
  CHECK(capped.size() == 4);  // 112 x 3, 64, 48 x 3, 16
  for (auto [s, e] : capped) CHECK(e - s <= 3);
}

TEST_CASE("an item over the budget gets a batch of its own") {
  auto b = cut_batches({500, 20, 20}, {100, 64});  // 500 pads to 512; 20 pads to 32: 3 fit in 100
  REQUIRE(b.size() == 2);
  CHECK(b[0] == std::make_pair<std::size_t, std::size_t>(0, 1));
  CHECK(b[1] == std::make_pair<std::size_t, std::size_t>(1, 3));
  CHECK(cut_batches({}, {100, 4}).empty());
}
