// The streaming pipeline (HACKING.md has the picture):
//   RecordSource (own thread: read, parse, make the task, encode)
//     -> RecordWindow (input order, --window records at most)
//     -> Wave (pending pairs sorted by length, cut into batches)
//     -> DevicePool (one worker per device; OOM splits)
//     -> logits into each record's matrix -> the planner's next round, or RecordHandler::finish
//     -> output lines in input order.
// Memory is bounded by the window (plus the reading stage's queue of as many records), not by the
// input.
#pragma once

#include <cstddef>
#include <string>
#include <functional>
#include <ostream>
#include <vector>

#include "pairrm/choices.hpp"
#include "pairrm/io/jsonl.hpp"
#include "pairrm/io/stop_signal.hpp"
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

// Told of every output line written (with its input line) and of every flush, on the driving
// thread: the CLI's resume bookkeeping. flushed() may throw Error (a write failed).
class OutputJournal {
 public:
  virtual ~OutputJournal() = default;
  virtual void written(const std::string& input_line, bool is_error) = 0;
  virtual void flushed() = 0;
};

struct PipelineOptions {
  BatchLimits limits;
  std::size_t window_records = 512;   // records held at once
  std::size_t window_pairs = 32768;   // pending pairs that stop further admission
  // At most this many pairs a wave (0: every pending pair), each record's share cut fairly: the
  // server's, so that a request of many pairs cannot hold the others back for long.
  std::size_t wave_pairs = 0;
  OnError on_error = OnError::Skip;
  std::string id_key = "id";  // error records keep the line's value of this key
  // Once a stop is requested (the value: a signal number), reading stops, batches not yet running
  // are dropped, the finished lines are written in order, and run_pipeline returns with stopped_by
  // set. The reader's input should observe the same signal (FdInput), so a silent pipe cannot hold
  // the stop up.
  const StopSignal* stop = nullptr;
  OutputJournal* journal = nullptr;
  std::string output_name = "stdout";  // for the message when a write fails
};

struct Summary {
  std::size_t records = 0, errors = 0, pairs = 0, batches = 0;
  std::size_t tokens = 0, padded_tokens = 0;  // real ids vs rows x length over all batches
  double busy_seconds = 0;                     // the devices' time on batches, summed
  std::size_t written = 0, bytes_written = 0;  // output lines so far, and their input lines' bytes
  std::size_t written_errors = 0;              // error records among the lines written
  int stopped_by = 0;  // the stop value when a stop ended the run before the input's end, else 0
};

// Runs everything in `in` and writes one line per input line to `out`, in input order, flushed
// as soon as lines are finished (a record that arrives alone is scored at once). With OnError::Fail the first bad record throws Error once the lines before it
// are written. The first scorer runs on the calling thread. `progress` gets a snapshot after each
// batch and each wave, one call at a time, from the thread that finished it.
Summary run_pipeline(JsonlReader& in, std::ostream& out, RecordHandler& handler, const TextEncoder& encoder,
                     const Layout& layout, const std::vector<Scorer*>& scorers, const PipelineOptions& options,
                     const std::function<void(const Summary&)>& progress = {});
// The same driver for records that each have an owner (record.hpp), from `feed` until it ends: the
// server. `options.stop` and the stream's options (on_error, journal, output_name) do not apply.
Summary run_owned_records(RecordFeed& feed, const Layout& layout, const std::vector<Scorer*>& scorers,
                          const PipelineOptions& options, const std::function<void(const Summary&)>& progress = {});
Summary run_pipeline(JsonlReader& in, std::ostream& out, RecordHandler& handler, const TextEncoder& encoder,
                     const Layout& layout, Scorer& scorer, const PipelineOptions& options,
                     const std::function<void(const Summary&)>& progress = {});

}  // namespace pairrm
