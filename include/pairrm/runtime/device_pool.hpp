// One persistent worker per device (Scorer), all taking batches from one queue.
//
// A batch is rows [begin, end) of a WorkSet, already built. A worker scores it and hands the logits
// back to the set. When a device runs out of memory, its worker splits the batch in two (the set
// rebuilds each half), halves the pool's token budget for the batches still to be cut, and goes
// on: nothing is lost or scored twice. A single row that does not fit, or any other error, stops
// the pool: queued batches are dropped, the batches other devices are running are waited for, and
// only then do submit() and wait() rethrow it, with the device named. So when either returns or
// throws, no worker is touching a work set, and the pool holds a shared reference to every set it
// still has a batch of: a caller that unwinds frees nothing a device is writing into.
//
// Threading contract: the worker of the first scorer is the thread that calls serve() (the CLI's
// main thread, so a one-device run has no extra thread), the others are threads the pool starts. WorkSet::build and WorkSet::deliver run on the
// workers, concurrently for disjoint rows. The on_batch callback runs on a worker with the pool's
// lock held, so calls never overlap: keep it short.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "pairrm/io/stop_signal.hpp"
#include "pairrm/runtime/scorer.hpp"

namespace pairrm {

class WorkSet {
 public:
  virtual ~WorkSet() = default;
  virtual Batch build(std::size_t begin, std::size_t end) const = 0;
  virtual void deliver(std::size_t begin, std::size_t end, const std::vector<float>& logits) = 0;
};

struct BatchDone {
  std::size_t rows = 0, tokens = 0, padded_tokens = 0;  // real ids vs rows x length
  double seconds = 0;  // the device's time on it
};

class DevicePool {
 public:
  DevicePool(std::vector<Scorer*> scorers, std::size_t max_tokens, std::function<void(const BatchDone&)> on_batch = {});
  ~DevicePool();  // close() and join the workers
  DevicePool(const DevicePool&) = delete;
  DevicePool& operator=(const DevicePool&) = delete;

  // Queues a built batch; blocks while two per device are waiting. Rethrows a worker's failure
  // (after the other workers' batches are done).
  void submit(std::shared_ptr<WorkSet> set, std::size_t begin, std::size_t end, Batch batch);
  // Returns true when every submitted batch is scored; rethrows a worker's failure (after the other
  // workers' batches are done). When a stop is requested first, drops the batches not yet taken,
  // waits for those being scored, and returns false.
  bool wait(const StopSignal* stop = nullptr);
  // The token budget for cutting batches: the starting one, halved after each out-of-memory split.
  std::size_t max_tokens() const;
  // Runs the first scorer's worker on the calling thread until close().
  void serve();
  // No more batches: workers finish what is queued, then serve() returns.
  void close();
  std::size_t devices() const { return scorers_.size(); }

 private:
  struct Item {
    std::shared_ptr<WorkSet> set;
    std::size_t begin, end;
    Batch batch;
  };
  void work(Scorer& scorer);
  void score(Scorer& scorer, Item& item);
  // Drops the queue and waits for the running batches, then rethrows the failure (if any).
  void settle_locked(std::unique_lock<std::mutex>& lock);

  std::vector<Scorer*> scorers_;
  std::function<void(const BatchDone&)> on_batch_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Item> queue_;
  std::size_t in_flight_ = 0;  // queued or being scored
  std::size_t max_tokens_;
  bool closed_ = false;
  std::exception_ptr failure_;
  std::vector<std::thread> threads_;
};

}  // namespace pairrm
