// The reading and tokenizing stage: a thread that reads input lines, parses them, makes each
// record's task (the one line-to-task step, tasks/task.hpp) and encodes its texts, running ahead of
// scoring so that the model never waits for the tokenizer. Records come out in input order through
// a queue of `capacity` records; a bad line comes out as a finished record holding its error record.
//
// The end means the input was read to its end; stopped, that a stop was requested or the source
// was shut down before it (record_feed.hpp).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "pairrm/io/jsonl.hpp"
#include "pairrm/io/stop_signal.hpp"
#include "pairrm/pipeline/record_feed.hpp"
#include "pairrm/text/layout.hpp"
#include "pairrm/text/text_encoder.hpp"

namespace pairrm {

class RecordSource : public RecordFeed {
 public:
  // stop_at_error: read nothing after the first bad line (--on-error fail).
  // stop: once requested, nothing more is read; the reader's input must observe it too (FdInput).
  // id_key: error records keep the line's value of this key.
  RecordSource(JsonlReader& reader, RecordHandler& handler, const TextEncoder& encoder, const Layout& layout,
               std::size_t capacity, bool stop_at_error, const StopSignal* stop = nullptr, std::string id_key = "id");
  // Shuts the stage down: a read blocked on a silent pipe is cancelled, and the thread is joined
  // (never left behind).
  ~RecordSource();
  RecordSource(const RecordSource&) = delete;
  RecordSource& operator=(const RecordSource&) = delete;

  // The next record in input order, or NotYet as `wait` says. A requested stop is seen within
  // 100 ms even while the thread is busy: Stopped at once, even with records queued. Rethrows what
  // ended the reading thread (an I/O or tokenizer error) once the queue is empty.
  Next next(Wait wait) override;
  // Called on the reading thread after each record it queues, and when it ends.
  void on_ready(std::function<void()> notify) override;

 private:
  void run();
  std::unique_ptr<Record> prepare();
  bool stop_requested() const { return stop_ && stop_->value(); }

  JsonlReader& reader_;
  RecordHandler& handler_;
  const TextEncoder& encoder_;
  const Layout& layout_;
  const std::size_t capacity_;
  const bool stop_at_error_;
  const StopSignal* stop_;
  const std::string id_key_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::unique_ptr<Record>> ready_;
  bool ended_ = false;     // the thread is done (end, stop, error or shutdown)
  bool at_end_ = false;    // ... because the input ended
  bool shutdown_ = false;  // the destructor asked the thread to finish
  std::exception_ptr failure_;
  ReadyHook notify_;
  std::thread thread_;
};

}  // namespace pairrm
