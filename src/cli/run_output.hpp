// Where a record run's lines go: stdout (or a device or pipe), or -o FILE with its run manifest,
// which --resume continues (docs/cluster.md). The destinations are checked first (check_output,
// before the model loads); nothing is opened for writing until open(), which the run calls once the
// model and its engines have loaded.
#pragma once

#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "pairrm/io/jsonl.hpp"
#include "pairrm/io/run_manifest.hpp"
#include "run_journal.hpp"

namespace pairrm::cli {

// Before anything is opened for writing: refuses an output that is the input (the same file under
// any spelling or link) or a directory, and an output directory where nothing can be created (the
// output and its manifest go there). Throws Error naming the path and what to do.
void check_output(const CommonOptions& common);
// Whether the output is a regular file (or a new one): it then has a run manifest and a lock
// (io/output_lock.hpp); stdout, pipes and devices have neither.
bool output_is_file(const CommonOptions& common);
// The same for a --summary destination: "-" is stdout, refused when the results go there.
void check_summary(const std::string& summary, const CommonOptions& common);
// Writes `text` and a newline to `path`, "-" being stdout. Throws Error naming the path.
void write_text(const std::string& path, const std::string& text, const char* what);

class RunOutput {
 public:
  // Checks --resume against -o. With --resume and an existing FILE: checks its manifest against
  // `run`, trims FILE to its complete lines and hands each kept line to `kept` (eval recounts them).
  RunOutput(const CommonOptions& common, RunManifest run, const std::function<void(std::string_view)>& kept);

  bool to_file() const { return to_file_; }
  // --resume of a run that had finished: nothing to do.
  bool already_complete() const { return already_complete_; }
  // Lines an earlier run wrote (resume), and the error records among them.
  const OutputLines& kept() const { return kept_; }

  // What an option given as `auto` resolved to (the device, the dtype), before open(): recorded in
  // a fresh manifest; when resuming, checked against the stored value (throws Error naming both).
  void resolve(const std::string& flag, const std::string& value);

  // Opens the output: appends when resuming, else replaces FILE.
  std::ostream& open();
  // Resuming: reads (and hashes) the input lines the kept lines answer. Throws when the input is
  // shorter or its first lines changed.
  void skip_answered(JsonlReader& reader);
  // The manifest bookkeeping for the pipeline; null for stdout.
  OutputJournal* journal() { return journal_.get(); }
  // Every line is written: the manifest says so (FILE), or the output is flushed and checked.
  void complete();

 private:
  const CommonOptions& common_;
  RunManifest run_;
  std::optional<RunManifest> stored_;  // resuming: the manifest of the run continued
  bool to_file_ = false, resuming_ = false, already_complete_ = false;
  OutputLines kept_;
  std::size_t check_lines_ = 0;  // the manifest's lines_done, whose input hash is checked
  std::string check_sha_;
  std::ofstream file_;
  std::ostream* out_ = nullptr;
  std::unique_ptr<RunJournal> journal_;
};

}  // namespace pairrm::cli
