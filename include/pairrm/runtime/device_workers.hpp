// One persistent worker per device (Scorer). A worker that is free asks its WorkSource for the next
// batch, which is cut at that moment from whatever is pending (pipeline/scheduler.hpp): no worker
// waits for another, and no batch waits for a round or a wave.
//
// A batch (Work) owns what it reads and writes: its rows' data and one result slot per row. The
// worker builds the rows, scores them and hands the whole Work back. When a device runs out of
// memory, its worker splits the rows in two (the work builds each half), tells the source to halve
// the budget of batches not yet cut, and goes on: nothing is lost or scored twice. A single row
// that does not fit, or any other error, goes to the source named by device (failed()); the worker
// then asks for work again, and the source decides what happens next.
//
// Threading: the worker of the first scorer is the thread that calls serve() (the CLI's main
// thread, so a one-device run has no extra thread); the others are threads started here. Workers
// call the source concurrently; each Work is touched by one worker at a time.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <thread>
#include <vector>

#include "pairrm/runtime/scorer.hpp"

namespace pairrm {

class Work {
 public:
  virtual ~Work() = default;
  virtual std::size_t rows() const = 0;
  // Rows [begin, end) as one padded batch.
  virtual Batch build(std::size_t begin, std::size_t end) const = 0;
  // Their logits, one per row.
  virtual void set(std::size_t begin, const std::vector<float>& logits) = 0;
};

struct BatchDone {
  std::size_t rows = 0, tokens = 0, padded_tokens = 0;  // real ids vs rows x length
  double seconds = 0;                                    // the device's time on it
};

class WorkSource {
 public:
  virtual ~WorkSource() = default;
  // Blocks until there is work for a device; nullptr when there will be none (the worker ends).
  virtual std::unique_ptr<Work> take() = 0;
  // Every row of `work` has its logit.
  virtual void done(std::unique_ptr<Work> work, const BatchDone& stats) = 0;
  // Scoring `work` failed: the error, with the device named (an OutOfMemory stays one).
  virtual void failed(std::unique_ptr<Work> work, std::exception_ptr error) = 0;
  // A batch did not fit: batches cut from now on get half the token budget.
  virtual void lower_budget() = 0;
};

class DeviceWorkers {
 public:
  // Starts the workers of scorers[1..]; scorers[0]'s runs in serve().
  DeviceWorkers(std::vector<Scorer*> scorers, WorkSource& source);
  ~DeviceWorkers();  // joins the workers (they end once take() returns nullptr)
  DeviceWorkers(const DeviceWorkers&) = delete;
  DeviceWorkers& operator=(const DeviceWorkers&) = delete;

  // The first scorer's worker, on the calling thread, until take() returns nullptr.
  void serve();
  std::size_t devices() const { return scorers_.size(); }

 private:
  void work(Scorer& scorer);

  std::vector<Scorer*> scorers_;
  WorkSource& source_;
  std::vector<std::thread> threads_;
};

}  // namespace pairrm
