#include "reporter.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "pairrm/io/json_writer.hpp"
#include "run_output.hpp"

namespace pairrm::cli {

namespace {
// "1 error", "3 errors"
std::string count(std::size_t n, const char* one, const char* many) { return fmt::format("{} {}", n, n == 1 ? one : many); }
}  // namespace

Reporter::Reporter(const CommonOptions& o, std::size_t input_bytes)
    : live_(!o.quiet && (o.progress == Progress::Always || (o.progress == Progress::Auto && isatty(STDERR_FILENO)))),
      terminal_(isatty(STDERR_FILENO) != 0),
      quiet_(o.quiet),
      input_bytes_(input_bytes) {}

double Reporter::seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

void Reporter::update(const Summary& s) {
  if (!live_) return;
  const auto now = Clock::now();
  // A terminal redraws one line; a log file gets a line every 5 s, so it stays readable.
  if (now - last_ < (terminal_ ? std::chrono::milliseconds(250) : std::chrono::milliseconds(5000))) return;
  last_ = now;
  const double secs = seconds();
  std::string text = fmt::format("{} done ({}), {:.1f} pairs/s", count(s.written, "line", "lines"),
                                 count(s.written_errors, "error", "errors"), secs > 0 ? s.pairs / secs : 0.0);
  if (input_bytes_ && s.bytes_written) {
    const double done = std::min(1.0, static_cast<double>(s.bytes_written) / static_cast<double>(input_bytes_));
    text += fmt::format(", {:.0f}% of the input, ETA {:.0f} s", 100 * done, secs * (1 - done) / done);
  }
  if (terminal_) {
    std::fprintf(stderr, "\r%s\033[K", text.c_str());
  } else {
    std::fprintf(stderr, "pairrm: %s\n", text.c_str());
  }
  std::fflush(stderr);
}

void Reporter::finish(const Summary& s, const std::string& where) {
  if (live_ && terminal_) std::fprintf(stderr, "\r\033[K");
  if (!quiet_) std::fprintf(stderr, "pairrm: %s (%s)\n", line(s).c_str(), where.c_str());
}

std::string Reporter::line(const Summary& s) const {
  const double secs = seconds();
  std::string out = fmt::format("{} written ({}), {} in {:.1f} s, {:.1f} pairs/s", count(s.written, "line", "lines"),
                                count(s.written_errors, "error", "errors"), count(s.pairs, "pair", "pairs"), secs,
                                secs > 0 ? s.pairs / secs : 0.0);
  if (s.padded_tokens) out += fmt::format(", padding efficiency {:.0f}%", 100.0 * s.tokens / s.padded_tokens);
  return out;
}

void write_run_summary(const CommonOptions& common, const Summary& s, double seconds, const std::string& devices,
                       const std::string& model_sha256) {
  JsonWriter w;
  w.begin_object().field("command", common.command).field("records", s.records).field("errors", s.errors);
  w.field("pairs", s.pairs).field("pairs_written", s.pairs_written).field("seconds", seconds).field("pairs_per_s", seconds > 0 ? s.pairs / seconds : 0.0);
  w.field("devices", devices).field("model", common.model).field("model_sha256", model_sha256);
  w.field("input", common.input).field("output", common.output).field("shard", common.shard);
  w.key("options").begin_object();
  for (const auto& [k, v] : common.output_options) w.field(k, v);
  w.end_object().field("complete", s.stopped_by == 0).field("stopped_by_signal", s.stopped_by).end_object();
  write_text(common.run_summary, w.str(), "run summary");
}

std::function<void(const std::string&)> engine_notes(bool quiet) {
  if (quiet) return {};
  return [](const std::string& note) { std::fprintf(stderr, "pairrm: note: %s\n", note.c_str()); };
}

}  // namespace pairrm::cli
