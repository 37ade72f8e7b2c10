// The batch-cutting policy (schedule/pair_queue.hpp), against batches worked out by hand.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "pairrm/schedule/pair_queue.hpp"

using namespace pairrm;

namespace {
using Ids = std::vector<std::size_t>;
// Pairs with ids first, first+1, ... of one record: (flow, order), all of one padded length.
void add(PairQueue& q, std::uint64_t flow, std::uint64_t order, std::size_t padded, std::size_t first, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) q.add({flow, order, padded, first + k});
}
}  // namespace

TEST_CASE("pair queue: the oldest pair leads; the batch is its padded length, oldest first, under both budgets") {
  PairQueue q;
  add(q, 0, 0, 64, 0, 2);   // record 0: ids 0, 1 (64)
  add(q, 0, 1, 32, 10, 3);  // record 1: ids 10-12 (32)
  add(q, 0, 2, 64, 20, 4);  // record 2: ids 20-23 (64)
  CHECK(q.size() == 9);
  // 64 x 4 = 256 tokens: four rows of 64.
  CHECK(q.cut({256, 100}, 0) == Ids{0, 1, 20, 21});
  // Record 1 is now the oldest with pairs pending: its length leads, though record 2's are longer.
  CHECK(q.cut({256, 2}, 0) == Ids{10, 11});  // the pair budget: two
  CHECK(q.cut({256, 100}, 0) == Ids{12});
  CHECK(q.cut({10, 100}, 0) == Ids{22});     // a budget below one row still takes one
  CHECK(q.cut({256, 100}, 0) == Ids{23});
  CHECK(q.empty());
  CHECK(q.cut({256, 100}, 0).empty());
}

TEST_CASE("pair queue: with a horizon, only a flow's oldest pending pairs up to that many tokens are taken") {
  PairQueue q;
  add(q, 0, 0, 32, 0, 1);
  add(q, 0, 1, 64, 10, 4);  // 256 tokens of other lengths between
  add(q, 0, 2, 32, 20, 1);
  // Horizon of 200 tokens: ids 0 (32) and 10, 11 (64 each) are in it; id 20 is not.
  CHECK(q.cut({1000, 100}, 200) == Ids{0});
  // The horizon moves on with the oldest pending pair: now ids 10-13 and 20 fit in 300 tokens.
  CHECK(q.cut({1000, 100}, 300) == Ids{10, 11, 12, 13});
  CHECK(q.cut({1000, 100}, 300) == Ids{20});
  // Without a horizon, pairs of the lead's length are taken from anywhere.
  PairQueue all;
  add(all, 0, 0, 32, 0, 1);
  add(all, 0, 1, 64, 10, 4);
  add(all, 0, 2, 32, 20, 1);
  CHECK(all.cut({1000, 100}, 0) == Ids{0, 20});
  // The oldest pair is a candidate however long it is.
  PairQueue big;
  add(big, 0, 0, 512, 0, 1);
  CHECK(big.cut({1000, 100}, 100) == Ids{0});
}

TEST_CASE("pair queue: a request arriving behind a large one is in the very next batch") {
  PairQueue q;
  add(q, 1, 0, 64, 0, 1000);  // a large rank: one record, 1000 pairs
  CHECK(q.cut({640, 100}, 0).size() == 10);
  CHECK(q.cut({640, 100}, 0).size() == 10);
  add(q, 2, 1, 128, 5000, 2);  // a compare of two pairs, longer ones, arrives
  // It starts at the large one's service (no credit for arriving late, no debt either) and has
  // fewer tokens pending, so it leads: its length, and the large one's pairs cannot join.
  CHECK(q.cut({640, 100}, 0) == Ids{5000, 5001});
  // Back to the large request.
  CHECK(q.cut({640, 100}, 0).front() == 20);
}

TEST_CASE("pair queue: flows share the device by tokens taken, not by pairs or records") {
  PairQueue q;
  // Flow 1: 500 small records of one pair each; flow 2: one record of 400 pairs, twice as long.
  for (std::size_t r = 0; r < 500; ++r) add(q, 1, r, 32, r, 1);
  add(q, 2, 500, 64, 1000, 400);
  std::size_t tokens1 = 0, tokens2 = 0;
  for (int b = 0; b < 20; ++b) {
    const Ids ids = q.cut({640, 1000}, 0);  // 20 rows of 32 or 10 of 64: 640 tokens either way
    REQUIRE(!ids.empty());
    (ids.front() < 1000 ? tokens1 : tokens2) += 640;
    // A batch is one flow's here: the lengths differ, and the lead's length decides.
    for (const std::size_t id : ids) CHECK((id < 1000) == (ids.front() < 1000));
  }
  CHECK(tokens1 == tokens2);  // ten batches each, alternating
}

TEST_CASE("pair queue: pairs of one length fill the lead flow's batch from the others, least served first") {
  PairQueue q;
  add(q, 1, 0, 64, 0, 3);
  add(q, 2, 1, 64, 10, 3);
  add(q, 3, 2, 64, 20, 3);
  CHECK(q.cut({64 * 5, 100}, 0) == Ids{0, 1, 2, 10, 11});  // flow 1 leads (the oldest), flow 2 fills
  // Flows 1 and 2 have been served; flow 3 has not: it leads, then flow 2 (less served than 1).
  CHECK(q.cut({64 * 2, 100}, 0) == Ids{20, 21});
  // Flows 2 and 3 are now even (128 tokens each, one pair left each): the older one leads.
  CHECK(q.cut({64 * 3, 100}, 0) == Ids{12, 22});
}

TEST_CASE("pair queue: removing a flow returns its pending pairs; the others stay") {
  PairQueue q;
  add(q, 1, 0, 64, 0, 3);
  add(q, 2, 1, 64, 10, 2);
  Ids gone = q.remove_flow(1);
  std::sort(gone.begin(), gone.end());
  CHECK(gone == Ids{0, 1, 2});
  CHECK(q.size() == 2);
  CHECK(q.remove_flow(7).empty());
  CHECK(q.cut({1000, 100}, 0) == Ids{10, 11});
}
