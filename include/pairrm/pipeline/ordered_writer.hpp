// The output lines of one stream, in input order: written, flushed, told to the run's journal (the
// CLI's resume bookkeeping) and counted. A local run (pipeline/stream_sink.hpp) and a --server run
// (cli/run_remote.cpp) write through the same one.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

namespace pairrm {

// Told of every output line written (with its input line) and of every flush, on the writing
// thread: the CLI's resume bookkeeping. flushed() may throw Error (a write failed).
class OutputJournal {
 public:
  virtual ~OutputJournal() = default;
  virtual void written(const std::string& input_line, bool is_error) = 0;
  virtual void flushed() = 0;
};

class OrderedWriter {
 public:
  struct Counts {
    std::size_t lines = 0, errors = 0;  // lines written, error records among them
    std::size_t bytes = 0;              // their input lines' bytes (newlines counted)
  };
  // output_name names the output in the message when a write fails ("stdout", or the file).
  OrderedWriter(std::ostream& out, OutputJournal* journal = nullptr, std::string output_name = "stdout");
  void write(const std::string& input_line, std::string_view output, bool is_error);
  // Flushes what was written since the last flush (nothing when nothing was) and tells the
  // journal. Throws Error naming the output when the write failed.
  void flush();
  const Counts& counts() const { return counts_; }

 private:
  std::ostream& out_;
  OutputJournal* journal_;
  std::string output_name_;
  Counts counts_;
  bool unflushed_ = false;
};

}  // namespace pairrm
