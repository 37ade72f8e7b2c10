#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
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

// Devices currently inside score(), over all fake devices.
std::atomic<int> g_inside{0};

class FakeDevice : public Scorer {
 public:
  FakeDevice(int delay_us, int64_t oom_above = 0, bool broken = false)
      : delay_us_(delay_us), oom_above_(oom_above), broken_(broken) {}
  std::vector<float> score(const Batch& b) override {
    ++attempts;
    // Hold back until another device has had a batch (bounded), so that device surely gets one.
    for (int k = 0; after && *after == 0 && k < 2000; ++k) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (broken_) throw Error("device fell over");
    if (oom_above_ && b.rows > oom_above_) throw OutOfMemory("injected");
    ++g_inside;
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us_ * b.rows));
    std::vector<float> out;
    for (int64_t r = 0; r < b.rows; ++r) out.push_back(static_cast<float>(b.ids[static_cast<std::size_t>(r * b.length)]));
    batches += 1;
    --g_inside;
    return out;
  }
  std::string name() const override { return broken_ ? "fake:broken" : "fake"; }
  std::atomic<int> batches{0}, attempts{0};
  const std::atomic<int>* after = nullptr;

 private:
  int delay_us_;
  int64_t oom_above_;
  bool broken_;
};

// Submits `set` in batches of `rows` from a driver thread while this thread serves device 0.
// busy_at_failure: how many devices were inside score() when the failure reached the driver.
void drive(DevicePool& pool, const std::shared_ptr<IndexSet>& set, std::size_t rows, std::exception_ptr& failure,
           int* busy_at_failure = nullptr) {
  std::thread driver([&] {
    try {
      for (std::size_t b = 0; b < set->delivered.size(); b += rows) {
        const std::size_t e = std::min(set->delivered.size(), b + rows);
        pool.submit(set, b, e, set->build(b, e));
      }
      pool.wait();
    } catch (...) {
      if (busy_at_failure) *busy_at_failure = g_inside.load();
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
  fast.after = slow.after = &small.attempts;  // so the small device surely gets a batch, and splits it
  std::mutex seen_mu;
  std::size_t rows_done = 0, batches_done = 0;
  DevicePool pool({&fast, &slow, &small}, 4096, [&](const BatchDone& d) {
    rows_done += d.rows;  // called under the pool's lock: no race with other workers
    ++batches_done;
  });
  auto set = std::make_shared<IndexSet>(500);
  std::exception_ptr failure;
  drive(pool, set, 8, failure);
  CHECK_FALSE(failure);
  for (std::size_t k = 0; k < set->delivered.size(); ++k) CHECK(set->delivered[k] == 1);
  CHECK(rows_done == 500);
  CHECK(fast.batches + slow.batches + small.batches == static_cast<int>(batches_done));
  CHECK(fast.batches > 0);
  CHECK(small.batches > 0);                // its halves of the split batches
  CHECK(pool.max_tokens() <= 4096 / 4);    // 8 rows -> 4 -> 2: at least two halvings
}

TEST_CASE("device pool: a failing device stops the run; the error names it and comes once the others are idle") {
  FakeDevice slow(20000), broken(5, 0, true);  // slow: 20 ms a row, so it is mid-batch when the other fails
  broken.after = &g_inside;                    // fail only once the slow device is inside a batch
  DevicePool pool({&slow, &broken}, 1024);
  auto set = std::make_shared<IndexSet>(400);
  std::exception_ptr failure;
  int busy = -1;
  drive(pool, set, 4, failure, &busy);
  REQUIRE(failure);
  CHECK_THROWS_WITH_AS(std::rethrow_exception(failure), "fake:broken: device fell over", Error);
  CHECK(busy == 0);  // no device was still writing into the set when the driver saw the error
  CHECK(slow.batches >= 1);
  for (int d : set->delivered) CHECK(d <= 1);  // nothing scored twice
}

TEST_CASE("device pool: one row that does not fit is an error, not a loop") {
  class NeverFits : public Scorer {
    std::vector<float> score(const Batch&) override { throw OutOfMemory("no room"); }
  } never;
  DevicePool pool({&never}, 1024);
  auto set = std::make_shared<IndexSet>(5);
  std::exception_ptr failure;
  drive(pool, set, 5, failure);
  REQUIRE(failure);
  CHECK_THROWS_AS(std::rethrow_exception(failure), OutOfMemory);
  CHECK(pool.max_tokens() == 1024 / 4);  // 5 rows -> [0,2) -> [0,1): two splits, then the single row fails
}
