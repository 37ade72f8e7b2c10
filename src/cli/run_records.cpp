#include "run_records.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "pairrm/io/model_file.hpp"
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

// Runs a record pipeline; `make_handler` gets the model's metadata (its template) first.
int run_records(const CommonOptions& common, const std::function<RecordHandler&(const ModelInfo&)>& make_handler,
                std::istream* override_in) {
  const ModelFile model = read_model_file(common.model);
  RecordHandler& handler = make_handler(model.info);
  const Layout layout = make_layout(common, model.info);
  const Tokenizer tokenizer(model.spm_model);
  const TextEncoder encoder(tokenizer, layout.recipe());
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
  Streams io(override_in ? "-" : common.input, common.output);
  JsonlReader reader(override_in ? *override_in : *io.in);
  std::size_t input_bytes = 0;
  if (!override_in && common.input != "-") {
    std::error_code ec;
    if (std::filesystem::is_regular_file(common.input, ec)) input_bytes = std::filesystem::file_size(common.input, ec);
  }
  Reporter reporter(common, input_bytes);
  const Summary s = run_pipeline(reader, *io.out, handler, encoder, layout, scorers, pipeline,
                                 [&](const Summary& s) { reporter.update(s); });
  std::string where;
  for (const auto& e : engines) where += (where.empty() ? "" : ", ") + e->device() + " " + e->dtype();
  reporter.finish(s, where);
  if (!*io.out) throw Error("writing the output failed (disk full or closed pipe?)");
  return s.errors ? 2 : 0;
}

}  // namespace pairrm::cli
