// Where the driver and the device workers meet: the pairs pending (schedule/pair_queue.hpp, which
// says which pairs a batch takes) and the batches coming back.
//
// The driver adds each record's round as soon as the record reaches it; a free device takes the
// next batch at once, cut at that moment under the token budget; a scored batch goes back to the
// driver, which applies it and adds the next rounds. No step waits for the batches in flight.
//
// The driver's calls come from one thread; the workers' (WorkSource) from theirs; nudge() from
// anywhere. A device failure, or stop(), ends the cutting for good: take() returns nullptr and
// the batches running finish.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "pairrm/pipeline/pair_batch.hpp"
#include "pairrm/runtime/device_workers.hpp"
#include "pairrm/schedule/batcher.hpp"
#include "pairrm/schedule/pair_queue.hpp"
#include "pairrm/text/layout.hpp"

namespace pairrm {

class Scheduler : public WorkSource {
 public:
  // horizon_batches: a batch is cut from each flow's oldest pending pairs, up to this many batches'
  // worth of tokens per device (0: from every pending pair). on_batch: told of each scored batch, on
  // the worker that scored it.
  Scheduler(const Layout& layout, BatchLimits limits, std::size_t horizon_batches, std::size_t devices,
            std::function<void(const BatchDone&)> on_batch = {});

  // --- the driver's side ---
  // Queues pairs (their records' flow and order place them). Once cutting has ended, nothing is
  // queued: the pairs are returned, never to be scored.
  std::vector<PairJob> add(std::vector<PairJob> jobs);
  // Removes a flow's pending pairs (its owner gave up); they are returned, unscored.
  std::vector<PairJob> remove_flow(std::uint64_t flow);
  // Ends the cutting: the pending pairs are returned, unscored; the batches running finish.
  std::vector<PairJob> stop();
  // Until a batch is back, a device failed, nudge() was called, or `timeout` passed (a failure
  // wakes it once).
  void wait(std::chrono::milliseconds timeout);
  // The batches scored since the last call.
  std::vector<std::unique_ptr<PairBatch>> take_scored();
  // The first device failure, once one happened (cutting has ended then).
  std::exception_ptr failure() const;
  std::size_t pending() const;  // pairs waiting for a device
  std::size_t running() const;  // batches on a device, not yet back
  // The workers end: take() returns nullptr from now on.
  void close();

  // Anyone: something for the driver (a record is ready); wakes wait().
  void nudge();

  // --- the workers' side ---
  std::unique_ptr<Work> take() override;
  void done(std::unique_ptr<Work> work, const BatchDone& stats) override;
  void failed(std::unique_ptr<Work> work, std::exception_ptr error) override;
  void lower_budget() override;

 private:
  std::vector<PairJob> drain_locked();

  const Layout& layout_;
  const std::size_t horizon_batches_, devices_;
  std::function<void(const BatchDone&)> on_batch_;
  mutable std::mutex mu_;
  std::condition_variable work_ready_;   // for the workers
  std::condition_variable news_;         // for the driver
  BatchLimits limits_;                   // max_tokens halves after an out-of-memory split
  PairQueue queue_;
  std::unordered_map<std::size_t, PairJob> jobs_;  // the pending pairs, by queue id
  std::size_t next_id_ = 0;
  std::vector<std::unique_ptr<PairBatch>> scored_;
  std::size_t running_ = 0;
  bool cutting_ = true, closed_ = false, nudged_ = false;
  std::exception_ptr failure_;
};

}  // namespace pairrm
