// A request to stop a run that a signal handler can make: a value (the signal number) and a
// descriptor that becomes readable once the request is made, so that a thread blocked in poll() on
// its input wakes up (the self-pipe trick: a signal handler may write() but not notify a condition
// variable). Every blocking wait in the pipeline observes it: reads poll its descriptor, the other
// waits look at value() at least every 100 ms.
#pragma once

#include <atomic>

namespace pairrm {

class StopSignal {
 public:
  StopSignal();  // throws Error when the pipe cannot be made
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  // Async-signal-safe. The first value stays; returns the value that was there before (0: none).
  int request(int value) noexcept;
  // 0 until a stop was requested, then the first requested value.
  int value() const noexcept { return value_.load(); }
  explicit operator bool() const noexcept { return value() != 0; }
  // Readable from the moment of the first request on (never drained).
  int fd() const noexcept { return read_fd_; }

 private:
  std::atomic<int> value_{0};
  int read_fd_ = -1, write_fd_ = -1;
};
static_assert(std::atomic<int>::is_always_lock_free, "a signal handler needs a lock-free atomic");

}  // namespace pairrm
