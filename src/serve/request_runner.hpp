// A request on its way through the pipeline: its records are made on the request's own thread (the
// one line-to-task step, then tokenized) and queued on the server's feed; the request owns their
// result slots and waits for them, watching whether its client is still there.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "jobs.hpp"
#include "pairrm/pipeline/request_feed.hpp"
#include "pairrm/text/layout.hpp"
#include "pairrm/text/text_encoder.hpp"

namespace pairrm::serve {

class PendingRequest : public RecordOwner {
 public:
  PendingRequest(std::unique_ptr<RecordHandler> handler, std::size_t records);
  RecordHandler& handler() override { return *handler_; }
  bool cancelled() const override { return cancelled_.load(); }
  void deliver(std::size_t slot, std::string output, bool is_error, std::size_t pairs) override;

  // Gives up: the pipeline drops the records' pairs not yet running; wait() returns.
  void cancel(std::optional<Reply> reply = std::nullopt);
  // Until every record is delivered (true) or the request is cancelled (false); `gone` is asked
  // every 20 ms and cancels it when the client has left.
  bool wait(const std::function<bool()>& gone);
  std::vector<std::string>& outputs() { return outputs_; }
  const std::vector<bool>& errors() const { return errors_; }
  std::size_t pairs() const { return pairs_; }  // scored for its records, once wait() is true
  // The reply a cancel() gave (a drain that ran out of time), if any.
  std::optional<Reply> cancel_reply();

 private:
  std::unique_ptr<RecordHandler> handler_;
  std::mutex mu_;
  std::condition_variable done_;
  std::vector<std::string> outputs_;
  std::vector<bool> errors_;
  std::size_t left_;
  std::size_t pairs_ = 0;
  std::atomic<bool> cancelled_{false};
  std::optional<Reply> cancel_reply_;
};

class RequestRunner {
 public:
  RequestRunner(RequestFeed& feed, const TextEncoder& encoder, const Layout& layout);
  // The job's reply; nullopt when the client left before it was done (its pairs were dropped).
  std::optional<Reply> run(Job job, const std::function<bool()>& gone);
  // Every request in flight gets `reply` now (a drain out of time, a failed device).
  void cancel_all(const Reply& reply);
  std::size_t in_flight() const;

 private:
  RequestFeed& feed_;
  const TextEncoder& encoder_;
  const Layout& layout_;
  mutable std::mutex mu_;
  std::set<std::shared_ptr<PendingRequest>> live_;
};

}  // namespace pairrm::serve
