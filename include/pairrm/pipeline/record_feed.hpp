// Where the pipeline's driver takes records from: the reading stage of a stream of lines
// (record_source.hpp), or the server's queue of requests (request_feed.hpp).
//
// Three outcomes, never confused: a record, the end (every record there will be was handed out),
// or stopped (a stop was requested before the end). A run is complete only after the end.
#pragma once

#include <memory>

#include "pairrm/pipeline/record.hpp"

namespace pairrm {

class RecordFeed {
 public:
  enum class State { Record, NotYet, Ended, Stopped };
  // How long next() waits when no record is queued: until there is one (or the end, or a stop);
  // or only while the feed is busy making records, not while it waits for its producer (a pipe
  // whose writer is thinking, a server with no request in hand).
  enum class Wait { ForRecord, WhileReading };
  struct Next {
    State state;
    std::unique_ptr<Record> record;  // with State::Record
  };
  virtual ~RecordFeed() = default;
  virtual Next next(Wait wait) = 0;
};

}  // namespace pairrm
