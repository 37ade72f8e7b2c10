// Where the pipeline's driver takes records from: the reading stage of a stream of lines
// (record_source.hpp), or the server's queue of requests (request_feed.hpp).
//
// Three outcomes, never confused: a record, the end (every record there will be was handed out),
// or stopped (a stop was requested before the end). A run is complete only after the end.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "pairrm/pipeline/record.hpp"

namespace pairrm {

// A feed's on_ready hook: set by the driver's thread while the feed's own threads call it, so
// replacing it waits for a call in progress (after set({}) returns, the old hook is not running).
class ReadyHook {
 public:
  void set(std::function<void()> hook) {
    std::lock_guard<std::mutex> lock(mu_);
    hook_ = std::move(hook);
  }
  void operator()() {
    std::lock_guard<std::mutex> lock(mu_);
    if (hook_) hook_();
  }

 private:
  std::mutex mu_;
  std::function<void()> hook_;
};

class RecordFeed {
 public:
  enum class State { Record, NotYet, Ended, Stopped };
  // How long next() waits when no record is queued: until there is one (or the end, or a stop), or
  // not at all (NotYet). The driver never waits here: it learns of new records from on_ready.
  enum class Wait { ForRecord, No };
  struct Next {
    State state;
    std::unique_ptr<Record> record;  // with State::Record
  };
  virtual ~RecordFeed() = default;
  virtual Next next(Wait wait) = 0;
  // Called, on any thread, whenever next() may have something new (a record, the end, a stop). Set
  // it before the driver runs and clear it (empty) after; each feed says which threads call it.
  virtual void on_ready(std::function<void()> notify) = 0;
};

}  // namespace pairrm
