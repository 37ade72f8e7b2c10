// What one record asks of the model, and the subcommand that turns records into tasks and finished
// tasks into output lines. The pipeline sees a source, candidates and a planner; everything else a
// subcommand keeps about a record travels opaquely in `state`.
#pragma once

#include <any>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pairrm/io/jsonl.hpp"
#include "pairrm/schedule/planner.hpp"
#include "pairrm/text/conversation.hpp"

namespace pairrm {

struct Task {
  std::string source;
  std::vector<std::string> candidates;
  std::unique_ptr<Planner> planner;
  std::any state;  // the handler's own (rank's reference, eval's subset)
};

// Threading contract: make_task runs on the pipeline's reading thread, finish on its driving
// thread; a handler keeps nothing that both touch.
class RecordHandler {
 public:
  virtual ~RecordHandler() = default;
  // The task for one input object, or an error naming the field at fault.
  virtual Result<Task> make_task(const JsonObject& object) = 0;
  // The output line (no newline) of a finished record.
  virtual std::string finish(std::string_view raw, const Task& task, const Matrix& logits) = 0;
  // An output line an earlier run wrote, kept by --resume in place of finish(): handlers that
  // total their output (eval's accuracy table) count it too.
  virtual void resumed(std::string_view output_line) { (void)output_line; }
};

// The one line-to-task step: the reader's current line parsed and made into `handler`'s task, or
// the error that names the line and field. `id_key`: an error record keeps the line's value of
// that key when the line is a JSON object that has it.
struct LineTask {
  Result<Task> task;
  std::string error_record;  // the output line when `task` is an error
};
LineTask task_of_line(JsonlReader& reader, RecordHandler& handler, std::string_view id_key = "id");

// The render-then-task step every subcommand shares: the record's prompt (or "messages") and the
// candidates' final turns rendered per the model's template. The caller sets the planner.
Result<Task> rendered_task(const JsonObject& object, std::string_view prompt_key,
                           const std::vector<std::string_view>& finals, Template t);

}  // namespace pairrm
