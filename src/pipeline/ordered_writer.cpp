#include "pairrm/pipeline/ordered_writer.hpp"

#include "pairrm/error.hpp"

namespace pairrm {

OrderedWriter::OrderedWriter(std::ostream& out, OutputJournal* journal, std::string output_name)
    : out_(out), journal_(journal), output_name_(std::move(output_name)) {}

void OrderedWriter::write(const std::string& input_line, std::string_view output, bool is_error) {
  out_ << output << '\n';
  if (journal_) journal_->written(input_line, is_error);
  ++counts_.lines;
  counts_.errors += is_error;
  counts_.bytes += input_line.size() + 1;
  unflushed_ = true;
}

void OrderedWriter::flush() {
  if (!unflushed_) return;
  unflushed_ = false;
  out_.flush();
  if (!out_) throw Error(output_name_ + ": writing the output failed (disk full or closed pipe?)");
  if (journal_) journal_->flushed();
}

}  // namespace pairrm
