// The reading and tokenizing stage: a thread that reads input lines, parses them, makes each
// record's task (RecordHandler::make_task) and encodes its texts, running ahead of scoring so that
// the model never waits for the tokenizer. Records come out in input order through a queue of
// `capacity` records; a bad line comes out as a finished record holding its error record.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "pairrm/io/jsonl.hpp"
#include "pairrm/pipeline/record.hpp"
#include "pairrm/text/layout.hpp"
#include "pairrm/text/text_encoder.hpp"

namespace pairrm {

class RecordSource {
 public:
  // stop_at_error: read nothing after the first bad line (--on-error fail).
  // stop: when it becomes non-zero, nothing more is read (the input ends there).
  RecordSource(JsonlReader& reader, RecordHandler& handler, const TextEncoder& encoder, const Layout& layout,
               std::size_t capacity, bool stop_at_error, const std::atomic<int>* stop = nullptr);
  // Stops reading and joins the thread; after a stop, a thread blocked reading a pipe is given a
  // second and then left behind (the process is about to exit).
  ~RecordSource();
  RecordSource(const RecordSource&) = delete;
  RecordSource& operator=(const RecordSource&) = delete;

  // The next record; with wait = false, nullptr when none is ready yet. nullptr at the end of the
  // input. Rethrows what stopped the reading thread (an I/O or tokenizer error).
  std::unique_ptr<Record> next(bool wait);
  // True once the input is exhausted and every record has been taken.
  bool exhausted() const;

 private:
  void run();
  std::unique_ptr<Record> prepare();
  void encode(Record& record) const;

  JsonlReader& reader_;
  RecordHandler& handler_;
  const TextEncoder& encoder_;
  const Layout& layout_;
  const std::size_t capacity_;
  const bool stop_at_error_;
  const std::atomic<int>* stop_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::unique_ptr<Record>> ready_;
  bool ended_ = false, stopping_ = false;
  std::exception_ptr failure_;
  std::thread thread_;
};

}  // namespace pairrm
