#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "pairrm/error.hpp"
#include "pairrm/runtime/device_workers.hpp"

using namespace pairrm;

namespace {

// Rows carry their global index in ids[row * length]; the logit must come back as that index.
class IndexWork : public Work {
 public:
  IndexWork(std::size_t first, std::size_t rows) : first_(first), got_(rows, -1.0f) {}
  std::size_t rows() const override { return got_.size(); }
  Batch build(std::size_t begin, std::size_t end) const override {
    Batch b;
    b.rows = static_cast<int64_t>(end - begin);
    b.length = 2;
    for (std::size_t k = begin; k < end; ++k) b.ids.insert(b.ids.end(), {static_cast<int64_t>(first_ + k), 0});
    b.mask.assign(b.ids.size(), 1);
    b.markers.assign(static_cast<std::size_t>(b.rows) * 3, 0);
    return b;
  }
  void set(std::size_t begin, const std::vector<float>& logits) override {
    for (std::size_t k = 0; k < logits.size(); ++k) got_[begin + k] = logits[k];
  }
  bool complete() const {
    for (std::size_t k = 0; k < got_.size(); ++k) {
      if (got_[k] != static_cast<float>(first_ + k)) return false;
    }
    return true;
  }

 private:
  std::size_t first_;
  std::vector<float> got_;
};

// A fixed list of works; after a failure it hands out nothing more (as the scheduler does).
class ListSource : public WorkSource {
 public:
  ListSource(std::size_t total, std::size_t rows) {
    for (std::size_t b = 0; b < total; b += rows) todo_.push_back(std::make_unique<IndexWork>(b, std::min(rows, total - b)));
  }
  std::unique_ptr<Work> take() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (todo_.empty() || failure) return nullptr;
    auto w = std::move(todo_.front());
    todo_.pop_front();
    return w;
  }
  void done(std::unique_ptr<Work> work, const BatchDone& stats) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto* w = static_cast<IndexWork*>(work.get());
    CHECK(w->complete());
    CHECK(stats.rows == w->rows());
    rows_done += stats.rows;
    finished.push_back(std::move(work));
  }
  void failed(std::unique_ptr<Work>, std::exception_ptr error) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failure) failure = error;
    ++failures;
  }
  void lower_budget() override { ++halvings; }

  std::mutex mu_;
  std::deque<std::unique_ptr<Work>> todo_;
  std::vector<std::unique_ptr<Work>> finished;
  std::size_t rows_done = 0;
  std::exception_ptr failure;
  int failures = 0;
  std::atomic<int> halvings{0};
};

std::atomic<int> g_inside{0};  // devices inside score(), over all fake devices

class FakeDevice : public Scorer {
 public:
  FakeDevice(int delay_us, int64_t oom_above = 0, bool broken = false)
      : delay_us_(delay_us), oom_above_(oom_above), broken_(broken) {}
  std::vector<float> score(const Batch& b) override {
    ++attempts;
    // Hold back until another device has had a batch (bounded), so that one surely gets work.
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

}  // namespace

TEST_CASE("device workers: devices of different speeds, one out of memory above 2 rows: every row scored once") {
  FakeDevice fast(10), slow(200), small(20, 2);
  fast.after = slow.after = &small.attempts;  // so the small device surely gets a batch, and splits it
  ListSource source(500, 8);
  {
    DeviceWorkers workers({&fast, &slow, &small}, source);
    workers.serve();
  }
  CHECK_FALSE(source.failure);
  CHECK(source.rows_done == 500);
  CHECK(source.finished.size() == (500 + 7) / 8);  // each work back once, whole
  CHECK(fast.batches > 0);
  CHECK(small.batches > 0);      // its halves of the split batches
  CHECK(source.halvings >= 2);   // 8 rows -> 4 -> 2
}

TEST_CASE("device workers: a failing device's work goes back as failed, named; the others finish theirs") {
  FakeDevice slow(20000), broken(5, 0, true);  // slow: 20 ms a row, so it is mid-batch when the other fails
  broken.after = &g_inside;                    // fail only once the slow device is inside a batch
  ListSource source(400, 4);
  {
    DeviceWorkers workers({&slow, &broken}, source);
    workers.serve();
  }  // joined: nothing runs any more
  REQUIRE(source.failure);
  CHECK_THROWS_WITH_AS(std::rethrow_exception(source.failure), "fake:broken: device fell over", Error);
  CHECK(source.failures == 1);
  CHECK(slow.batches >= 1);
  CHECK(source.finished.size() == static_cast<std::size_t>(slow.batches.load()));  // the slow one's came back whole
  CHECK(g_inside == 0);
}

TEST_CASE("device workers: one row that does not fit is a failure, not a loop") {
  class NeverFits : public Scorer {
    std::vector<float> score(const Batch&) override { throw OutOfMemory("no room"); }
  } never;
  ListSource source(5, 5);
  {
    DeviceWorkers workers({&never}, source);
    workers.serve();
  }
  REQUIRE(source.failure);
  CHECK_THROWS_AS(std::rethrow_exception(source.failure), OutOfMemory);
  CHECK(source.halvings == 2);  // 5 rows -> [0,2) -> [0,1): two splits, then the single row fails
}
