#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "pairrm/error.hpp"
#include "pairrm/runtime/device_pool.hpp"

using namespace pairrm;

namespace {

// Rows carry their global index in ids[row * length]; the logit is that index.
class IndexSet : public WorkSet {
 public:
  explicit IndexSet(std::size_t n) : delivered(n, 0) {}
  Batch build(std::size_t begin, std::size_t end) const override {
    Batch b;
    b.rows = static_cast<int64_t>(end - begin);
    b.length = 2;
    for (std::size_t k = begin; k < end; ++k) b.ids.insert(b.ids.end(), {static_cast<int64_t>(k), 0});
    b.mask.assign(b.ids.size(), 1);
    b.markers.assign(static_cast<std::size_t>(b.rows) * 3, 0);
    return b;
  }
  void deliver(std::size_t begin, std::size_t end, const std::vector<float>& logits) override {
    for (std::size_t k = begin; k < end; ++k) {
      CHECK(logits[k - begin] == static_cast<float>(k));
      ++delivered[k];  // disjoint rows: no lock needed, which is the contract under test
    }
  }
  std::vector<int> delivered;
};

class FakeDevice : public Scorer {
 public:
  FakeDevice(int delay_us, int64_t oom_above = 0, bool broken = false)
      : delay_us_(delay_us), oom_above_(oom_above), broken_(broken) {}
  std::vector<float> score(const Batch& b) override {
    if (broken_) throw Error("device fell over");
    if (oom_above_ && b.rows > oom_above_) throw OutOfMemory("injected");
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us_ * b.rows));
    std::vector<float> out;
    for (int64_t r = 0; r < b.rows; ++r) out.push_back(static_cast<float>(b.ids[static_cast<std::size_t>(r * b.length)]));
    batches += 1;
    return out;
  }
  std::atomic<int> batches{0};

 private:
  int delay_us_;
  int64_t oom_above_;
  bool broken_;
};

// Submits `set` in batches of `rows` from a driver thread while this thread serves device 0.
void drive(DevicePool& pool, IndexSet& set, std::size_t rows, std::exception_ptr& failure) {
  std::thread driver([&] {
    try {
      for (std::size_t b = 0; b < set.delivered.size(); b += rows) {
        const std::size_t e = std::min(set.delivered.size(), b + rows);
        pool.submit(set, b, e, set.build(b, e));
      }
      pool.wait();
    } catch (...) {
      failure = std::current_exception();
    }
    pool.close();
  });
  pool.serve();
  driver.join();
}

}  // namespace

TEST_CASE("device pool: devices of different speeds, one out of memory above 2 rows: every row scored once") {
  FakeDevice fast(10), slow(200), small(20, 2);
  std::mutex seen_mu;
  std::size_t rows_done = 0, batches_done = 0;
  DevicePool pool({&fast, &slow, &small}, 4096, [&](const BatchDone& d) {
    rows_done += d.rows;  // called under the pool's lock: no race with other workers
    ++batches_done;
  });
  IndexSet set(500);
  std::exception_ptr failure;
  drive(pool, set, 8, failure);
  CHECK_FALSE(failure);
  for (std::size_t k = 0; k < set.delivered.size(); ++k) CHECK(set.delivered[k] == 1);
  CHECK(rows_done == 500);
  CHECK(fast.batches + slow.batches + small.batches == static_cast<int>(batches_done));
  CHECK(fast.batches > 0);
  if (small.batches > 0) CHECK(pool.max_tokens() < 4096);  // it split, so the budget went down
}

TEST_CASE("device pool: a failing device stops the run and the error reaches the driver") {
  FakeDevice good(5), broken(5, 0, true);
  DevicePool pool({&good, &broken}, 1024);
  IndexSet set(400);
  std::exception_ptr failure;
  drive(pool, set, 4, failure);
  REQUIRE(failure);
  CHECK_THROWS_WITH_AS(std::rethrow_exception(failure), "device fell over", Error);
}

TEST_CASE("device pool: one row that does not fit is an error, not a loop") {
  class NeverFits : public Scorer {
    std::vector<float> score(const Batch&) override { throw OutOfMemory("no room"); }
  } never;
  DevicePool pool({&never}, 1024);
  IndexSet set(5);
  std::exception_ptr failure;
  drive(pool, set, 5, failure);
  REQUIRE(failure);
  CHECK_THROWS_AS(std::rethrow_exception(failure), OutOfMemory);
  CHECK(pool.max_tokens() == 1024 / 4);  // 5 rows -> [0,2) -> [0,1): two splits, then the single row fails
}
