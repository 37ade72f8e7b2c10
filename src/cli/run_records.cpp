#include "run_records.hpp"

#include "run_journal.hpp"
#include "signals.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "pairrm/io/json_writer.hpp"
#include "pairrm/io/model_file.hpp"
#include "pairrm/io/run_manifest.hpp"
#include "pairrm/io/sha256.hpp"
#include "pairrm/io/shard.hpp"
#include "pairrm/runtime/engine.hpp"

namespace pairrm::cli {

namespace {

using Clock = std::chrono::steady_clock;

// A progress line on stderr (when it is a terminal, or --progress always) and a closing summary.
class Reporter {
 public:
  // input_bytes: the input's size when it is a regular file (for the ETA), else 0.
  Reporter(const CommonOptions& o, std::size_t input_bytes)
      : live_(!o.quiet && (o.progress == Progress::Always || (o.progress == Progress::Auto && isatty(STDERR_FILENO)))),
        quiet_(o.quiet),
        input_bytes_(input_bytes) {}

  void update(const Summary& s) {
    if (!live_) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    std::string text = line(s);
    if (input_bytes_ && s.bytes_written) {
      const double secs = std::chrono::duration<double>(now - start_).count();
      const double done = std::min(1.0, static_cast<double>(s.bytes_written) / static_cast<double>(input_bytes_));
      text += fmt::format(", {:.0f}% done, ETA {:.0f} s", 100 * done, secs * (1 - done) / done);
    }
    std::fprintf(stderr, "\r%s\033[K", text.c_str());
    std::fflush(stderr);
  }

  void finish(const Summary& s, const std::string& where) {
    if (live_) std::fprintf(stderr, "\r\033[K");
    if (!quiet_) std::fprintf(stderr, "pairrm: %s (%s)\n", line(s).c_str(), where.c_str());
  }

 private:
  std::string line(const Summary& s) const {
    const double secs = std::chrono::duration<double>(Clock::now() - start_).count();
    std::string out = fmt::format("{} records ({} errors), {} pairs in {:.1f} s, {:.1f} pairs/s", s.records, s.errors,
                                  s.pairs, secs, secs > 0 ? s.pairs / secs : 0.0);
    if (s.padded_tokens) out += fmt::format(", padding efficiency {:.0f}%", 100.0 * s.tokens / s.padded_tokens);
    return out;
  }

  bool live_, quiet_;
  std::size_t input_bytes_;
  Clock::time_point start_ = Clock::now(), last_{};
};


// "cuda:0,1" or "cuda:0,cuda:1" -> one device each; anything else is one device.
std::vector<std::string> split_devices(const std::string& spec) {
  std::vector<std::string> out;
  std::stringstream in(spec);
  for (std::string part; std::getline(in, part, ',');) {
    if (part.empty()) throw Error("--device " + spec + ": empty device in the list");
    if (!out.empty() && part.find_first_not_of("0123456789") == std::string::npos) part = "cuda:" + part;
    out.push_back(part);
  }
  if (out.empty()) out.push_back("auto");
  return out;
}

// The worst-case batch once on each GPU, so that a budget that does not fit shows at start; the
// token budget is halved until it fits.
void warm_up(std::vector<std::unique_ptr<Engine>>& engines, const Layout& layout, BatchLimits& limits, bool quiet) {
  const auto length = static_cast<int64_t>(padded_length(static_cast<std::size_t>(layout.recipe().total_max_length)));
  while (true) {
    const auto rows = static_cast<int64_t>(
        std::max<std::size_t>(1, std::min(limits.max_pairs, limits.max_tokens / static_cast<std::size_t>(length))));
    try {
      for (auto& e : engines) e->warm_up(rows, length);
      return;
    } catch (const OutOfMemory&) {
      if (rows == 1) throw Error("a single pair of the maximum length does not fit on the GPU; lower --source-max-length");
      limits.max_tokens /= 2;
      if (!quiet) std::fprintf(stderr, "pairrm: note: lowered --max-batch-tokens to %zu to fit the GPU\n", limits.max_tokens);
    }
  }
}

}  // namespace

Streams::Streams(const std::string& input, const std::string& output) {
  if (input != "-") {
    file_in.open(input, std::ios::binary);
    if (!file_in) throw Error(input + ": cannot open the input file");
    in = &file_in;
  }
  if (output != "-") {
    file_out.open(output, std::ios::binary);
    if (!file_out) throw Error(output + ": cannot open the output file for writing");
    out = &file_out;
  }
}

Layout make_layout(const CommonOptions& common, const ModelInfo& info) {
  return Layout(with_limits(info.recipe, common.source_max_length, common.candidate_max_length), info.tokens);
}

namespace {

// The run's description for its manifest and summary.
RunManifest describe_run(const CommonOptions& common) {
  RunManifest m;
  m.tool = "pairrm " PAIRRM_VERSION;
  m.command = common.command;
  m.model_sha256 = sha256_file_hex(common.model);
  m.options = common.output_options;
  m.input = common.input;
  m.shard = common.shard;
  return m;
}

// Where a resumed run starts: the output's complete lines (the input lines to skip) and their error
// records, and the manifest's count and hash of input lines to check while skipping.
struct ResumePoint {
  OutputLines kept;
  std::size_t check_lines = 0;
  std::string check_sha;
  bool complete = false;  // nothing left to do
};

// --resume: checks the stored manifest against this invocation and trims the output to its complete
// lines.
ResumePoint prepare_resume(const CommonOptions& common, const RunManifest& now) {
  const auto stored = read_manifest(manifest_path(common.output));
  if (!stored) {
    throw Error(common.output + ": exists but has no run manifest (" + manifest_path(common.output) +
                "), so it cannot be resumed. Remove it, or run without --resume to overwrite it.");
  }
  if (auto conflict = resume_conflict(*stored, now)) {
    throw Error("cannot resume " + common.output + ": " + *conflict +
                ". Rerun with the original invocation, or remove the output and its manifest to start over.");
  }
  const OutputLines kept = keep_complete_lines(common.output);
  if (kept.lines < stored->lines_done) {
    throw Error(common.output + " has " + std::to_string(kept.lines) + " complete lines but its manifest records " +
                std::to_string(stored->lines_done) + "; it was changed after the run. Remove it to start over.");
  }
  if (stored->complete && kept.lines == stored->lines_done) {
    if (!common.quiet) {
      std::fprintf(stderr, "pairrm: %s is already complete (%zu lines); nothing to do\n", common.output.c_str(), kept.lines);
    }
    return ResumePoint{kept, 0, {}, true};
  }
  return ResumePoint{kept, stored->lines_done, stored->input_prefix_sha256, false};
}

void write_run_summary(const CommonOptions& common, const Summary& s, double seconds, const std::string& devices,
                       const RunManifest& run) {
  JsonWriter w;
  w.begin_object().field("command", common.command).field("records", s.records).field("errors", s.errors);
  w.field("pairs", s.pairs).field("seconds", seconds).field("pairs_per_s", seconds > 0 ? s.pairs / seconds : 0.0);
  w.field("devices", devices).field("model", common.model).field("model_sha256", run.model_sha256);
  w.field("input", common.input).field("output", common.output).field("shard", common.shard);
  w.key("options").begin_object();
  for (const auto& [k, v] : common.output_options) w.field(k, v);
  w.end_object().field("complete", s.stopped_by == 0).field("stopped_by_signal", s.stopped_by).end_object();
  std::ofstream out(common.run_summary, std::ios::binary);
  out << w.str() << '\n';
  if (!out) throw Error(common.run_summary + ": cannot write the run summary");
}

}  // namespace

// Runs a record pipeline; `make_handler` gets the model's metadata (its template) first.
int run_records(const CommonOptions& common, const std::function<RecordHandler&(const ModelInfo&)>& make_handler,
                std::istream* override_in) {
  // A regular output file (or a new one) keeps a manifest; stdout, pipes and devices do not.
  std::error_code ec;
  const bool to_file = common.output != "-" && (!std::filesystem::exists(common.output, ec) ||
                                                std::filesystem::is_regular_file(common.output, ec));
  if (common.resume && !to_file) {
    throw Error("--resume needs -o FILE, a regular file: it continues that file (stdout or a device cannot be resumed)");
  }
  std::optional<ByteRange> range;
  if (!common.shard.empty()) {
    const Shard shard = parse_shard(common.shard);
    if (override_in || common.input == "-") throw Error("--shard needs -i FILE: a shard is a byte range of the input file");
    range = shard_range(common.input, shard);
  }
  const ModelFile model = read_model_file(common.model);
  RecordHandler& handler = make_handler(model.info);
  const Layout layout = make_layout(common, model.info);
  const Tokenizer tokenizer(model.spm_model);
  const TextEncoder encoder(tokenizer, layout.recipe());

  // The manifest (with -o FILE), and what a resumed run skips.
  RunManifest run;
  if (to_file) run = describe_run(common);
  ResumePoint resume;
  const bool resuming = common.resume && std::filesystem::exists(common.output, ec);
  if (resuming) {
    resume = prepare_resume(common, run);
    if (resume.complete) return resume.kept.errors ? 2 : 0;
  }
  const OutputLines& skip = resume.kept;

  std::vector<std::unique_ptr<Engine>> engines;
  for (const std::string& device : split_devices(common.engine.device)) {
    EngineOptions o = common.engine;
    o.device = device;
    engines.push_back(std::make_unique<Engine>(model, o));
  }
  PipelineOptions pipeline = common.pipeline;
  if (engines.front()->on_gpu()) warm_up(engines, layout, pipeline.limits, common.quiet);
  std::vector<Scorer*> scorers;
  for (auto& e : engines) scorers.push_back(e.get());

  std::ifstream file_in;
  std::istream* in = override_in ? override_in : &std::cin;
  if (!override_in && common.input != "-") {
    file_in.open(common.input, std::ios::binary);
    if (!file_in) throw Error(common.input + ": cannot open the input file");
    if (range) file_in.seekg(static_cast<std::streamoff>(range->begin));
    in = &file_in;
  }
  JsonlReader reader = range ? JsonlReader(*in, range->first_line, range->end - range->begin) : JsonlReader(*in);
  reader.set_max_line_bytes(common.max_line_bytes);
  std::ofstream file_out;
  std::ostream* out = &std::cout;
  if (common.output != "-") {
    file_out.open(common.output, std::ios::binary | (resuming ? std::ios::app : std::ios::trunc));
    if (!file_out) throw Error(common.output + ": cannot open the output file for writing");
    out = &file_out;
  }
  RunJournal journal(common.output, run, *out);
  // Resuming: the input lines already answered are read and hashed, not scored.
  journal.add_errors(skip.errors);
  for (std::size_t k = 0; k < skip.lines; ++k) {
    if (!reader.next()) throw Error("cannot resume " + common.output + ": it has more lines than the input; the input changed");
    journal.skipped(std::string(reader.raw()));
    if (k + 1 == resume.check_lines && journal.prefix_sha256() != resume.check_sha) {
      throw Error("cannot resume " + common.output + ": the first " + std::to_string(k + 1) +
                  " lines of the input differ from the run's (SHA-256); the input changed. Remove the output to start over.");
    }
  }
  std::size_t input_bytes = 0;
  if (!override_in && common.input != "-") {
    if (std::filesystem::is_regular_file(common.input, ec)) input_bytes = std::filesystem::file_size(common.input, ec);
    if (range) input_bytes = range->end - range->begin;
  }
  Reporter reporter(common, input_bytes);
  pipeline.stop = &install_stop_signals();
  pipeline.journal = to_file ? &journal : nullptr;
  if (common.output != "-") pipeline.output_name = common.output;
  const auto start = std::chrono::steady_clock::now();
  const Summary s = run_pipeline(reader, *out, handler, encoder, layout, scorers, pipeline,
                                 [&](const Summary& s) { reporter.update(s); });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string where;
  for (const auto& e : engines) where += (where.empty() ? "" : ", ") + e->device() + " " + e->dtype();
  reporter.finish(s, where);
  if (!common.run_summary.empty()) write_run_summary(common, s, seconds, where, journal.manifest());
  if (s.stopped_by) {
    std::fprintf(stderr, "pairrm: stopped by signal %d; %zu lines written%s\n", s.stopped_by, skip.lines + s.written,
                 to_file ? ", rerun with --resume to continue" : "");
    std::fflush(stderr);
    std::cout.flush();
    std::_Exit(128 + s.stopped_by);  // no destructors: a reading thread may still be blocked on a pipe
  }
  if (to_file) {
    journal.complete();
  } else {
    out->flush();
    if (!*out) throw Error(common.output + ": writing the output failed (disk full or closed pipe?)");
  }
  return s.errors + skip.errors ? 2 : 0;
}

}  // namespace pairrm::cli
