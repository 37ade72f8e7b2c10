#include "run_output.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "pairrm/error.hpp"

namespace pairrm::cli {

RunOutput::RunOutput(const CommonOptions& common, RunManifest run, const std::function<void(std::string_view)>& kept)
    : common_(common), run_(std::move(run)) {
  // A regular output file (or a new one) keeps a manifest; stdout, pipes and devices do not.
  std::error_code ec;
  const bool exists = common.output != "-" && std::filesystem::exists(common.output, ec);
  to_file_ = common.output != "-" && (!exists || std::filesystem::is_regular_file(common.output, ec));
  if (common.resume && !to_file_) {
    throw Error("--resume needs -o FILE, a regular file: it continues that file (stdout or a device cannot be resumed)");
  }
  resuming_ = common.resume && exists;
  if (!resuming_) return;
  const auto stored = read_manifest(manifest_path(common.output));
  if (!stored) {
    throw Error(common.output + ": exists but has no run manifest (" + manifest_path(common.output) +
                "), so it cannot be resumed. Remove it, or run without --resume to overwrite it.");
  }
  if (auto conflict = resume_conflict(*stored, run_)) {
    throw Error("cannot resume " + common.output + ": " + *conflict +
                ". Rerun with the original invocation, or remove the output and its manifest to start over.");
  }
  kept_ = keep_complete_lines(common.output, kept);
  if (kept_.lines < stored->lines_done) {
    throw Error(common.output + " has " + std::to_string(kept_.lines) + " complete lines but its manifest records " +
                std::to_string(stored->lines_done) + "; it was changed after the run. Remove it to start over.");
  }
  if (stored->complete && kept_.lines == stored->lines_done) {
    if (!common.quiet) {
      std::fprintf(stderr, "pairrm: %s is already complete (%zu lines); nothing to do\n", common.output.c_str(), kept_.lines);
    }
    already_complete_ = true;
  }
  check_lines_ = stored->lines_done;
  check_sha_ = stored->input_prefix_sha256;
}

std::ostream& RunOutput::open() {
  if (common_.output == "-") {
    out_ = &std::cout;
  } else {
    file_.open(common_.output, std::ios::binary | (resuming_ ? std::ios::app : std::ios::trunc));
    if (!file_) {
      throw Error(common_.output + ": cannot open the output file for writing (" + std::strerror(errno) + ")");
    }
    out_ = &file_;
  }
  if (to_file_) {
    journal_ = std::make_unique<RunJournal>(common_.output, run_, *out_);
    journal_->add_errors(kept_.errors);
    // A fresh run's manifest from the start, so that a stale one of an earlier run never
    // describes the new file.
    if (!resuming_) journal_->flushed();
  }
  return *out_;
}

void RunOutput::skip_answered(JsonlReader& reader) {
  for (std::size_t k = 0; k < kept_.lines; ++k) {
    if (!reader.next()) {
      if (reader.stopped()) return;  // a stop while skipping: the run ends with nothing new written
      throw Error("cannot resume " + common_.output + ": it has more lines than the input; the input changed");
    }
    journal_->skipped(std::string(reader.raw()));
    if (k + 1 == check_lines_ && journal_->prefix_sha256() != check_sha_) {
      throw Error("cannot resume " + common_.output + ": the first " + std::to_string(k + 1) +
                  " lines of the input differ from the run's (SHA-256); the input changed. Remove the output to start over.");
    }
  }
}

void RunOutput::complete() {
  if (journal_) {
    journal_->complete();
    return;
  }
  out_->flush();
  if (!*out_) throw Error(common_.output + ": writing the output failed (disk full or closed pipe?)");
}

}  // namespace pairrm::cli
