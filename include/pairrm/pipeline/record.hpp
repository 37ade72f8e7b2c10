// One input line while the pipeline holds it, and the window that holds them: records enter in
// input order and leave in input order, each as one output line, once finished.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pairrm/error.hpp"
#include "pairrm/tasks/task.hpp"
#include "pairrm/text/layout.hpp"
#include "pairrm/text/text_encoder.hpp"
#include "pairrm/text/tokenizer.hpp"

namespace pairrm {

// A record's texts as ids, made once by the reading stage and then only read. Shared: a batch in
// flight keeps the encodings of its rows alive on its own (pipeline/pair_batch.hpp).
struct Encoded {
  TokenIds source_part;                             // the layout's source part
  std::vector<const TokenIds*> candidate_pieces;    // into `distinct`, one per candidate
  std::vector<std::unique_ptr<TokenIds>> distinct;  // each distinct candidate text encoded once
};

// Whoever asked for records that are not lines of one output stream (the server's requests): it
// finishes them with its own handler, takes each as soon as it is done whatever its position, and
// may give up on them (a client that went away), which drops their pairs not yet running. Called on
// the driving thread; cancelled() from any.
class RecordOwner {
 public:
  virtual ~RecordOwner() = default;
  virtual RecordHandler& handler() = 0;
  virtual bool cancelled() const = 0;
  // The record's output (its handler's finish(), or its error record), for its slot.
  virtual void deliver(std::size_t slot, std::string output, bool is_error, std::size_t pairs) = 0;
};

struct Record {
  std::size_t line = 0;
  std::string raw;     // the input line without its newline
  std::string output;  // the output line, once done
  bool done = false;
  std::optional<InputError> error;  // a bad line: `output` is its error record
  Task task;
  std::shared_ptr<const Encoded> encoded;
  Matrix logits;  // written by the driving thread only (PairBatch::apply)
  std::size_t outstanding = 0;  // pairs of the current round not yet back (a round spans batches)
  std::size_t scored = 0;       // pairs scored so far, all rounds
  bool cut_short = false;       // pairs of it were dropped unscored (a stop): it is never finished
  // Where the scheduler places its pairs (schedule/pair_queue.hpp): its flow (the stream's one, or
  // its request's) and its admission number (lower is older). Set by the driver and the sink.
  std::uint64_t flow = 0, order = 0;
  // A request's record (the server's): finished by its owner's handler and delivered to it as soon
  // as it is done (pipeline/owner_sink.hpp). A stream's records have none.
  std::shared_ptr<RecordOwner> owner;
  std::size_t slot = 0;  // the record's place in its owner's request
};

// A record made from the one line-to-task step's result (tasks/task.hpp): a finished error record,
// or the task with its texts encoded (each distinct candidate once) and an empty matrix.
std::unique_ptr<Record> make_record(std::size_t line, std::string raw, LineTask made, const TextEncoder& encoder,
                                    const Layout& layout);

class RecordWindow {
 public:
  explicit RecordWindow(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  bool full() const { return records_.size() >= capacity_; }
  bool empty() const { return records_.empty(); }
  std::size_t size() const { return records_.size(); }
  Record& push(std::unique_ptr<Record> record) {
    records_.push_back(std::move(record));
    return *records_.back();
  }
  // Hands the finished records at the head to `write`, in input order, and lets them go. A record
  // that is not finished holds back everything after it.
  template <typename Write>
  std::size_t drain(Write&& write) {
    std::size_t n = 0;
    while (!records_.empty() && records_.front()->done) {
      write(*records_.front());
      records_.pop_front();
      ++n;
    }
    return n;
  }

 private:
  std::size_t capacity_;
  std::deque<std::unique_ptr<Record>> records_;
};

}  // namespace pairrm
