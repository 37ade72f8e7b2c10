// Where input bytes come from. JsonlReader reads its lines through one of these, so that a read
// blocked on a pipe that stays open and silent (a producer still thinking, `tail -f`, a FIFO, a
// terminal) gives up the moment the run is stopped or shut down, instead of holding the process.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <istream>
#include <string>

#include "pairrm/io/stop_signal.hpp"

namespace pairrm {

class ByteInput {
 public:
  enum class Status { Data, End, Stopped };
  virtual ~ByteInput() = default;
  // Blocks until bytes arrive (Data, n > 0), the input ends (End), or the read is given up
  // (Stopped: cancel() was called, or the stop signal was requested). Throws Error naming the input
  // when reading fails.
  virtual Status read(char* buffer, std::size_t size, std::size_t& n) = 0;
  // From any thread: the read in progress, and every later one, returns Stopped.
  virtual void cancel() noexcept = 0;
  // Called with true when a read is about to wait for the producer (no byte is available now),
  // and with false when it stops waiting. The reading stage tells "busy" from "starved" by it.
  void on_waiting(std::function<void(bool)> hook) { waiting_ = std::move(hook); }

 protected:
  std::function<void(bool)> waiting_;
};

// A file, pipe, FIFO or terminal, read with poll() on the input, the stop signal's descriptor and a
// cancel pipe of its own.
class FdInput : public ByteInput {
 public:
  // "-" is stdin (not closed here). Otherwise opens the path and moves to `offset` (a shard's
  // start). Throws Error with the path and the system's reason (a directory is refused by name).
  FdInput(const std::string& path, const StopSignal* stop, std::size_t offset = 0);
  ~FdInput() override;
  FdInput(const FdInput&) = delete;
  FdInput& operator=(const FdInput&) = delete;
  Status read(char* buffer, std::size_t size, std::size_t& n) override;
  void cancel() noexcept override;

 private:
  std::string name_;
  int fd_ = -1;
  bool owned_ = false;
  const StopSignal* stop_;
  std::atomic<bool> cancelled_{false};
  int cancel_read_ = -1, cancel_write_ = -1;
};

// A std::istream (in-memory input: tests, compare's --prompt/--a/--b). Never blocks for long.
class StreamInput : public ByteInput {
 public:
  explicit StreamInput(std::istream& in) : in_(in) {}
  Status read(char* buffer, std::size_t size, std::size_t& n) override;
  void cancel() noexcept override { cancelled_ = true; }

 private:
  std::istream& in_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace pairrm
