// The streaming pipeline: reader -> tokenizer -> planner -> batcher -> scorer -> handler -> writer.
//
// A window of input records is held at once. Their pending pairs are sorted by length and cut into
// batches under the token budget; logits go back to each record's matrix; records whose planner
// needs another round (bubble, knockout) join the next wave together with newly read records, so
// batches stay full. Finished records leave the window in input order, one output line each.
// Memory is bounded by the window, not by the input.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "pairrm/tasks/aggregate.hpp"
#include "pairrm/schedule/batcher.hpp"
#include "pairrm/runtime/scorer.hpp"
#include "pairrm/io/jsonl.hpp"
#include "pairrm/text/layout.hpp"
#include "pairrm/schedule/planner.hpp"
#include "pairrm/text/text_encoder.hpp"

namespace pairrm {

// What one record asks of the model: a source text, candidates, and which pairs to compare.
struct Task {
  std::string source;
  std::vector<std::string> candidates;
  std::unique_ptr<Planner> planner;
  // Rewards against a reference: its index in `candidates` (-1: none); an external reference text
  // is appended as the last candidate and reported by no output array.
  int reference = -1;
  bool reference_appended = false;
  std::string label;  // a label the handler keeps with the record (eval's subset)
};

// What a subcommand does with its records.
class RecordHandler {
 public:
  virtual ~RecordHandler() = default;
  // The task for one input object, or an error naming the field at fault.
  virtual Result<Task> make_task(const JsonObject& object) = 0;
  // The output line (no newline) of a finished record.
  virtual std::string finish(std::string_view raw, const Task& task, const Matrix& logits) = 0;
};

enum class OnError { Skip, Fail };

struct PipelineOptions {
  BatchLimits limits;
  std::size_t window_records = 512;   // records held at once
  std::size_t window_pairs = 32768;   // pending pairs that stop further reading
  OnError on_error = OnError::Skip;
};

struct Summary {
  std::size_t records = 0, errors = 0, pairs = 0, batches = 0;
  std::size_t tokens = 0, padded_tokens = 0;  // real ids vs rows x length over all batches
  std::size_t written = 0, bytes_written = 0;  // output lines so far, and their input lines' bytes
};

// Runs everything in `in` and writes one line per input line to `out`, flushed per wave. With
// OnError::Fail the first bad record throws Error (the lines before it are written). `progress`
// is called after each batch.
Summary run_pipeline(JsonlReader& in, std::ostream& out, RecordHandler& handler, const TextEncoder& encoder,
                     const Layout& layout, Scorer& scorer, const PipelineOptions& options,
                     const std::function<void(const Summary&)>& progress = {});
// The same with several scorers (one per device), fed from one queue of batches; the main thread
// builds the next batches while they run.
Summary run_pipeline(JsonlReader& in, std::ostream& out, RecordHandler& handler, const TextEncoder& encoder,
                     const Layout& layout, const std::vector<Scorer*>& scorers, const PipelineOptions& options,
                     const std::function<void(const Summary&)>& progress = {});

}  // namespace pairrm
