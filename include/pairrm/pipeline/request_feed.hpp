// The server's side of the pipeline: records that request threads made (tokenized on their own
// threads) wait here for the driver, which batches the pairs of every request in flight together.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "pairrm/pipeline/record_feed.hpp"

namespace pairrm {

class RequestFeed : public RecordFeed {
 public:
  // Queues a request's records (each with its owner set); false once closed (nothing queued).
  bool push(std::vector<std::unique_ptr<Record>> records);
  // No more records: next() hands out what is queued, then Ended.
  void close();
  Next next(Wait wait) override;
  // Called on the thread that pushes (a request's) or closes.
  void on_ready(std::function<void()> notify) override;
  std::size_t queued() const;
  // Told how long each record waited, when the driver takes it (on the driving thread).
  void on_taken(std::function<void(double seconds)> hook) { on_taken_ = std::move(hook); }

 private:
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::unique_ptr<Record>>> queue_;
  std::function<void(double)> on_taken_;
  bool closed_ = false;
  ReadyHook notify_;
};

}  // namespace pairrm
