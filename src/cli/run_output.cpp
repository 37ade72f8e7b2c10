#include "run_output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "pairrm/error.hpp"

namespace pairrm::cli {

namespace {

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// Whether a file can be created in the directory that would hold `path`: tried, not guessed from
// mode bits (root ignores them; a read-only mount does not).
void check_directory_of(const std::string& path, const std::string& what) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const std::string probe = (dir / (".pairrm-write-check-" + std::to_string(::getpid()))).string();
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw Error(path + ": cannot write the " + what + " there (" + dir.string() + ": " + std::strerror(errno) +
                "); choose another place");
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace

void check_output(const CommonOptions& common) {
  if (common.output == "-") return;
  std::error_code ec;
  if (std::filesystem::is_directory(common.output, ec)) {
    throw Error(common.output + ": a directory; -o takes a file name");
  }
  if (common.input != "-" && same_file(common.input, common.output)) {
    throw Error("-o " + common.output + " is the input file " + common.input +
                ": writing it would destroy the input. Write the output elsewhere (and move it over the input "
                "afterwards if that is what you want).");
  }
  const bool device = std::filesystem::exists(common.output, ec) && !std::filesystem::is_regular_file(common.output, ec);
  if (device) return;  // no manifest for a device or pipe
  check_directory_of(common.output, "output and its run manifest");
  const std::string manifest = manifest_path(common.output);
  if (std::filesystem::exists(manifest, ec) && !std::filesystem::is_regular_file(manifest, ec)) {
    throw Error(manifest + ": the run manifest's place holds something else (a directory?); remove it, or write the "
                "output elsewhere");
  }
}

bool output_is_file(const CommonOptions& common) {
  if (common.output == "-") return false;
  std::error_code ec;
  return !std::filesystem::exists(common.output, ec) || std::filesystem::is_regular_file(common.output, ec);
}

void check_summary(const std::string& summary, const CommonOptions& common) {
  if (summary.empty()) return;
  if (summary == "-") {
    if (common.output == "-") {
      throw Error("--summary -: the results go to stdout; give --summary FILE, or send the results to -o FILE");
    }
    return;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(summary, ec)) throw Error(summary + ": a directory; --summary takes a file name");
  if (common.input != "-" && same_file(common.input, summary)) {
    throw Error("--summary " + summary + " is the input file; writing it would destroy the input");
  }
  check_directory_of(summary, "summary");
}

void write_text(const std::string& path, const std::string& text, const char* what) {
  if (path == "-") {
    std::cout << text << '\n';
    std::cout.flush();
    if (!std::cout) throw Error(std::string("stdout: cannot write the ") + what);
    return;
  }
  std::ofstream out(path, std::ios::binary);
  out << text << '\n';
  if (!out) throw Error(path + ": cannot write the " + what + " (" + std::strerror(errno) + ")");
}

RunOutput::RunOutput(const CommonOptions& common, RunManifest run, const std::function<void(std::string_view)>& kept)
    : common_(common), run_(std::move(run)) {
  // A regular output file (or a new one) keeps a manifest; stdout, pipes and devices do not.
  std::error_code ec;
  const bool exists = common.output != "-" && std::filesystem::exists(common.output, ec);
  to_file_ = output_is_file(common);
  if (common.resume && !to_file_) {
    throw Error("--resume needs -o FILE, a regular file: it continues that file (stdout or a device cannot be resumed)");
  }
  resuming_ = common.resume && exists;
  if (!resuming_) return;
  stored_ = read_manifest(manifest_path(common.output));
  const auto& stored = stored_;
  if (!stored) {
    throw Error(common.output + ": exists but has no run manifest (" + manifest_path(common.output) +
                "), so it cannot be resumed. Remove it, or run without --resume to overwrite it.");
  }
  // The device and dtype are compared as resolved, once the engines load (resolve()).
  if (auto conflict = resume_conflict(*stored, run_, {"--device", "--dtype"})) {
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

void RunOutput::resolve(const std::string& flag, const std::string& value) {
  for (auto& [key, v] : run_.options) {
    if (key != flag) continue;
    v = value;
    if (!stored_) return;
    std::string was = "(not set)";
    for (const auto& [k, stored] : stored_->options) {
      if (k == key) was = stored;
    }
    if (was != value) {
      throw Error("cannot resume " + common_.output + ": " + key + " was \"" + was + "\", now \"" + value +
                  "\". Rerun with the original " + key + ", or remove the output and its manifest to start over.");
    }
  }
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
