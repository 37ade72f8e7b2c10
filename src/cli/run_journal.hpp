// A run's bookkeeping for --resume (docs/cluster.md): counts and hashes the input lines whose output
// lines are written, and after each flush syncs the output and rewrites the manifest.
#pragma once

#include <string>

#include "pairrm/io/run_manifest.hpp"
#include "pairrm/io/sha256.hpp"
#include "pairrm/pipeline/pipeline.hpp"

namespace pairrm::cli {

class RunJournal : public OutputJournal {
 public:
  // `manifest` describes the run; lines_done and errors continue from it (a resumed run).
  RunJournal(std::string output, RunManifest manifest, std::ostream& out);
  // An input line skipped on resume: hashed, not written.
  void skipped(const std::string& input_line);
  void add_errors(std::size_t n) { errors_ += n; }
  std::string prefix_sha256() const { return prefix_.hex(); }
  void written(const std::string& input_line, bool is_error) override;
  void flushed() override;
  // The run wrote every line: the manifest says so.
  void complete();
  const RunManifest& manifest() const { return manifest_; }

 private:
  std::string output_;
  RunManifest manifest_;
  std::ostream& out_;
  Sha256 prefix_;
  std::size_t lines_ = 0, errors_ = 0;
};

}  // namespace pairrm::cli
