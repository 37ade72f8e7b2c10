#include "run_journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pairrm/error.hpp"

namespace pairrm::cli {

RunJournal::RunJournal(std::string output, RunManifest manifest, std::ostream& out)
    : output_(std::move(output)), manifest_(std::move(manifest)), out_(out) {}

void RunJournal::skipped(const std::string& input_line) {
  prefix_.update(input_line);
  prefix_.update("\n");
  ++lines_;
}

void RunJournal::written(const std::string& input_line, bool is_error) {
  skipped(input_line);
  errors_ += is_error;
}

void RunJournal::flushed() {
  if (!out_) throw Error(output_ + ": writing the output failed (disk full?); " + std::to_string(manifest_.lines_done) +
                         " lines are safely written, rerun with --resume to continue");
  // The manifest may only claim lines that are on disk: sync the output first.
  const int fd = ::open(output_.c_str(), O_RDONLY);
  // EINVAL: a device or pipe, nothing to sync.
  if (fd < 0 || (::fsync(fd) != 0 && errno != EINVAL)) {
    if (fd >= 0) ::close(fd);
    throw Error(output_ + ": cannot sync the output to disk (" + std::strerror(errno) + ")");
  }
  ::close(fd);
  manifest_.lines_done = lines_;
  manifest_.errors = errors_;
  manifest_.input_prefix_sha256 = prefix_.hex();
  write_manifest(manifest_path(output_), manifest_);
}

void RunJournal::complete() {
  manifest_.complete = true;
  flushed();
}

}  // namespace pairrm::cli
