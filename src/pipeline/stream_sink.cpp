#include "pairrm/pipeline/stream_sink.hpp"

#include "pairrm/error.hpp"

namespace pairrm {

StreamSink::StreamSink(OrderedWriter& writer, RecordHandler& handler, std::size_t window, bool stop_at_error)
    : writer_(writer), handler_(handler), window_(window), stop_at_error_(stop_at_error) {}

Record& StreamSink::hold(std::unique_ptr<Record> record) {
  record->flow = 0;  // one stream, one flow
  return window_.push(std::move(record));
}

RecordSink::Released StreamSink::release() {
  Released out;
  const auto before = writer_.counts();
  window_.drain([&](const Record& r) {
    if (r.error && stop_at_error_) {
      writer_.flush();
      throw Error(describe(*r.error));
    }
    writer_.write(r.raw, r.output, r.error.has_value());
    out.pairs += r.scored;
  });
  writer_.flush();
  const auto& after = writer_.counts();
  out.lines = after.lines - before.lines;
  out.errors = after.errors - before.errors;
  out.bytes = after.bytes - before.bytes;
  return out;
}

}  // namespace pairrm
