// The lines of one output stream: records held in input order (at most --window of them) and
// written, in that order, as soon as the ones before them are finished.
#pragma once

#include <cstddef>

#include "pairrm/pipeline/ordered_writer.hpp"
#include "pairrm/pipeline/record_sink.hpp"

namespace pairrm {

class StreamSink : public RecordSink {
 public:
  // stop_at_error: a bad line ends the run (--on-error fail): release() writes the lines before it,
  // then throws an Error that names its line and field.
  StreamSink(OrderedWriter& writer, RecordHandler& handler, std::size_t window, bool stop_at_error);
  bool has_room() const override { return !window_.full(); }
  Record& hold(std::unique_ptr<Record> record) override;
  RecordHandler& handler(const Record&) override { return handler_; }
  bool wanted(const Record&) const override { return true; }
  std::vector<std::uint64_t> gone_flows() override { return {}; }
  Released release() override;
  bool empty() const override { return window_.empty(); }

 private:
  OrderedWriter& writer_;
  RecordHandler& handler_;
  RecordWindow window_;
  const bool stop_at_error_;
};

}  // namespace pairrm
