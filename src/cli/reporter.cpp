#include "reporter.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "pairrm/io/json_writer.hpp"

namespace pairrm::cli {

Reporter::Reporter(const CommonOptions& o, std::size_t input_bytes)
    : live_(!o.quiet && (o.progress == Progress::Always || (o.progress == Progress::Auto && isatty(STDERR_FILENO)))),
      quiet_(o.quiet),
      input_bytes_(input_bytes) {}

double Reporter::seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

void Reporter::update(const Summary& s) {
  if (!live_) return;
  const auto now = Clock::now();
  if (now - last_ < std::chrono::milliseconds(250)) return;
  last_ = now;
  std::string text = line(s);
  if (input_bytes_ && s.bytes_written) {
    const double secs = seconds();
    const double done = std::min(1.0, static_cast<double>(s.bytes_written) / static_cast<double>(input_bytes_));
    text += fmt::format(", {:.0f}% done, ETA {:.0f} s", 100 * done, secs * (1 - done) / done);
  }
  std::fprintf(stderr, "\r%s\033[K", text.c_str());
  std::fflush(stderr);
}

void Reporter::finish(const Summary& s, const std::string& where) {
  if (live_) std::fprintf(stderr, "\r\033[K");
  if (!quiet_) std::fprintf(stderr, "pairrm: %s (%s)\n", line(s).c_str(), where.c_str());
}

std::string Reporter::line(const Summary& s) const {
  const double secs = seconds();
  std::string out = fmt::format("{} records ({} errors), {} pairs in {:.1f} s, {:.1f} pairs/s", s.records, s.errors,
                                s.pairs, secs, secs > 0 ? s.pairs / secs : 0.0);
  if (s.padded_tokens) out += fmt::format(", padding efficiency {:.0f}%", 100.0 * s.tokens / s.padded_tokens);
  return out;
}

void write_run_summary(const CommonOptions& common, const Summary& s, double seconds, const std::string& devices,
                       const std::string& model_sha256) {
  JsonWriter w;
  w.begin_object().field("command", common.command).field("records", s.records).field("errors", s.errors);
  w.field("pairs", s.pairs).field("seconds", seconds).field("pairs_per_s", seconds > 0 ? s.pairs / seconds : 0.0);
  w.field("devices", devices).field("model", common.model).field("model_sha256", model_sha256);
  w.field("input", common.input).field("output", common.output).field("shard", common.shard);
  w.key("options").begin_object();
  for (const auto& [k, v] : common.output_options) w.field(k, v);
  w.end_object().field("complete", s.stopped_by == 0).field("stopped_by_signal", s.stopped_by).end_object();
  std::ofstream out(common.run_summary, std::ios::binary);
  out << w.str() << '\n';
  if (!out) throw Error(common.run_summary + ": cannot write the run summary");
}

}  // namespace pairrm::cli
