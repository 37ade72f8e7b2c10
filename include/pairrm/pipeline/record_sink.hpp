// Where the driver's records live while their pairs are scored, and where each goes once finished:
// the lines of one output stream, written in input order (stream_sink.hpp), or the server's
// requests, each record delivered to its owner as soon as it is done (owner_sink.hpp). The driver
// is the same for both; the sink is what differs.
//
// Called on the driving thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "pairrm/pipeline/record.hpp"

namespace pairrm {

class RecordSink {
 public:
  struct Released {
    std::size_t lines = 0, errors = 0, bytes = 0;  // records handed on, error records among them, input bytes
    std::size_t pairs = 0;                         // the pairs scored for them
  };
  virtual ~RecordSink() = default;
  // Whether another record may come in now (a stream holds at most its window).
  virtual bool has_room() const = 0;
  // Takes a record, sets its flow, and returns it: it stays here until released.
  virtual Record& hold(std::unique_ptr<Record> record) = 0;
  // The handler that finishes the record's output.
  virtual RecordHandler& handler(const Record& record) = 0;
  // Whether the record's result is still wanted (its owner has not given up).
  virtual bool wanted(const Record& record) const = 0;
  // Flows whose records are no longer wanted since the last call: their pending pairs are dropped.
  virtual std::vector<std::uint64_t> gone_flows() = 0;
  // Hands on the finished records it can, and lets go of unwanted ones with nothing outstanding.
  // Throws Error when the output cannot be written (or, --on-error fail, at the first bad line).
  virtual Released release() = 0;
  // Nothing held.
  virtual bool empty() const = 0;
};

}  // namespace pairrm
