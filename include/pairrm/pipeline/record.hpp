// One input line while the pipeline holds it, and the window that holds them: records enter in
// input order and leave in input order, each as one output line, once finished.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pairrm/error.hpp"
#include "pairrm/tasks/task.hpp"
#include "pairrm/text/tokenizer.hpp"

namespace pairrm {

// A record's texts as ids, made once by the reading stage and then only read. Shared: a batch in
// flight keeps the encodings of its rows alive on its own (pipeline/wave.hpp).
struct Encoded {
  TokenIds source_part;                             // the layout's source part
  std::vector<const TokenIds*> candidate_pieces;    // into `distinct`, one per candidate
  std::vector<std::unique_ptr<TokenIds>> distinct;  // each distinct candidate text encoded once
};

struct Record {
  std::size_t line = 0;
  std::string raw;     // the input line without its newline
  std::string output;  // the output line, once done
  bool done = false;
  std::optional<InputError> error;  // a bad line: `output` is its error record
  Task task;
  std::shared_ptr<const Encoded> encoded;
  Matrix logits;  // written by the driving thread only (Wave::apply)
};

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
