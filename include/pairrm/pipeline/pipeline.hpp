// The streaming pipeline (HACKING.md has the picture):
//   RecordSource (own thread: read, parse, make the task, encode)   or the server's RequestFeed
//     -> Driver (driver.hpp): records into a sink, their rounds to the scheduler
//     -> Scheduler (scheduler.hpp): a batch cut whenever a device frees (schedule/pair_queue.hpp)
//     -> DeviceWorkers (runtime/): one per device; OOM splits
//     -> back to the driver: logits into each record's matrix, the planner's next round, or the
//        record's output -> the sink: output lines in input order (stream_sink.hpp), or each record
//        to its request (owner_sink.hpp).
// Memory is bounded by the window (plus the reading stage's queue of as many records), not by the
// input.
#pragma once

#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "pairrm/choices.hpp"
#include "pairrm/io/jsonl.hpp"
#include "pairrm/io/stop_signal.hpp"
#include "pairrm/pipeline/ordered_writer.hpp"
#include "pairrm/pipeline/progress.hpp"
#include "pairrm/pipeline/record_feed.hpp"
#include "pairrm/runtime/scorer.hpp"
#include "pairrm/schedule/batcher.hpp"
#include "pairrm/tasks/task.hpp"
#include "pairrm/text/layout.hpp"
#include "pairrm/text/text_encoder.hpp"

namespace pairrm {

enum class OnError { Skip, Fail };
inline constexpr Choice<OnError> kOnErrors[] = {
    {"skip", OnError::Skip, "an error record in the bad line's place"},
    {"fail", OnError::Fail, "stop at the first bad line"},
};

struct PipelineOptions {
  BatchLimits limits;
  std::size_t window_records = 512;   // records held at once
  std::size_t window_pairs = 32768;   // pending pairs that stop further admission
  // A batch is cut from the oldest pending pairs of its flow, up to this many batches' worth of
  // tokens per device (0: from all of them). Fewer keeps in-order output flowing and a stop from
  // leaving scored work unwritten; more fills batches when lengths are spread. 16: measured with
  // bench/scheduling.py (fake devices, 1 ms + 2 us a token) 2.3% of the pairs scored left unwritten
  // by a stop, 1% slower than no horizon; 4 left 0.7% but ran 8% slower (BENCHMARKS.md).
  std::size_t horizon_batches = 16;
  OnError on_error = OnError::Skip;
  std::string id_key = "id";  // error records keep the line's value of this key
};

// Runs everything in `in` and writes one line per input line through `out`, in input order, as
// soon as lines are finished (a record that arrives alone is scored at once). With OnError::Fail the
// first bad record throws Error once the lines before it are written. The first scorer runs on the
// calling thread. `progress` gets a snapshot after each change, one call at a time.
// `stop` (none: the run goes to the input's end): once a stop is requested (the value: a signal
// number), reading stops, no new batch starts, the batches running finish, the finished lines are
// written in order, and run_pipeline returns with stopped_by set. The reader's input should observe
// the same signal (FdInput), so a silent pipe cannot hold the stop up.
Summary run_pipeline(JsonlReader& in, OrderedWriter& out, RecordHandler& handler, const TextEncoder& encoder,
                     const Layout& layout, const std::vector<Scorer*>& scorers, const PipelineOptions& options,
                     const StopSignal* stop = nullptr, const std::function<void(const Summary&)>& progress = {});
// The same into a plain stream, with no journal (tests, tools).
Summary run_pipeline(JsonlReader& in, std::ostream& out, RecordHandler& handler, const TextEncoder& encoder,
                     const Layout& layout, const std::vector<Scorer*>& scorers, const PipelineOptions& options,
                     const StopSignal* stop = nullptr, const std::function<void(const Summary&)>& progress = {});
Summary run_pipeline(JsonlReader& in, std::ostream& out, RecordHandler& handler, const TextEncoder& encoder,
                     const Layout& layout, Scorer& scorer, const PipelineOptions& options,
                     const StopSignal* stop = nullptr, const std::function<void(const Summary&)>& progress = {});
// The same driver for records that each have an owner (record.hpp), from `feed` until it ends: the
// server. Each owner is a flow of its own, served fairly; on_error, id_key, the window and the
// horizon do not apply, and it runs until the feed ends.
Summary run_owned_records(RecordFeed& feed, const Layout& layout, const std::vector<Scorer*>& scorers,
                          const PipelineOptions& options, const std::function<void(const Summary&)>& progress = {});

}  // namespace pairrm
