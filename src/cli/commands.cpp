#include "commands.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "pairrm/runtime/engine.hpp"
#include "pairrm/io/model_file.hpp"

namespace pairrm::cli {

namespace {

using Clock = std::chrono::steady_clock;

// Input and output streams from "-" or a path.
struct Streams {
  std::ifstream file_in;
  std::ofstream file_out;
  std::istream* in = &std::cin;
  std::ostream* out = &std::cout;

  Streams(const std::string& input, const std::string& output) {
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
};

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

Layout make_layout(const CommonOptions& common, const ModelInfo& info) {
  return Layout(with_limits(info.recipe, common.source_max_length, common.candidate_max_length), info.tokens);
}

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

// Runs a record pipeline; `make_handler` gets the model's metadata (its template) first.
int run_records(const CommonOptions& common, const std::function<RecordHandler&(const ModelInfo&)>& make_handler,
                std::istream* override_in = nullptr) {
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

std::string read_text_file(const std::string& path, const char* what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(path + ": cannot read the " + what);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

Template template_of(const ModelInfo& info) {
  return info.recipe.template_name == "better-pairrm" ? Template::BetterPairRM : Template::LlmBlender;
}

int run_rank(const CommonOptions& common, RankOptions options) {
  std::unique_ptr<RankHandler> handler;
  return run_records(common, [&](const ModelInfo& info) -> RecordHandler& {
    options.templ = template_of(info);
    handler = std::make_unique<RankHandler>(options);
    return *handler;
  });
}

int run_eval(const CommonOptions& common, EvalOptions options, const EvalFiles& files) {
  const std::vector<Section> sections =
      files.sections.empty() ? std::vector<Section>{} : parse_sections(read_text_file(files.sections, "sections file"), files.sections);
  std::unique_ptr<EvalHandler> handler;
  const int code = run_records(common, [&](const ModelInfo& info) -> RecordHandler& {
    options.templ = template_of(info);
    handler = std::make_unique<EvalHandler>(options);
    return *handler;
  });
  std::fputs(eval_table(handler->counts(), sections).c_str(), stderr);
  if (!files.summary.empty()) {
    std::ofstream out(files.summary, std::ios::binary);
    out << eval_summary_json(handler->counts(), sections) << '\n';
    if (!out) throw Error(files.summary + ": cannot write the summary");
  }
  return code;
}

namespace {
int compare_records(const CommonOptions& common, CompareOptions options, std::istream* in) {
  std::unique_ptr<CompareHandler> handler;
  return run_records(
      common,
      [&](const ModelInfo& info) -> RecordHandler& {
        options.templ = template_of(info);
        handler = std::make_unique<CompareHandler>(options);
        return *handler;
      },
      in);
}
}  // namespace

int run_compare(const CommonOptions& common, CompareOptions options, const CompareFlags& flags) {
  if (flags.prompt || flags.a || flags.b) {
    if (!flags.prompt || !flags.a || !flags.b) throw Error("compare: give all of --prompt, --a and --b, or none (JSONL input)");
    std::string line = "{";
    append_string(line, options.prompt_key);
    line += ':';
    append_string(line, *flags.prompt);
    line += ',';
    append_string(line, options.a_key);
    line += ':';
    append_string(line, *flags.a);
    line += ',';
    append_string(line, options.b_key);
    line += ':';
    append_string(line, *flags.b);
    line += '}';
    std::istringstream in(line);
    options.echo_input = false;
    CommonOptions quiet = common;
    quiet.quiet = true;
    return compare_records(quiet, options, &in);
  }
  return compare_records(common, options, nullptr);
}

int run_tokenize(const CommonOptions& common, CompareOptions keys) {
  const ModelFile model = read_model_file(common.model);
  const Layout layout = make_layout(common, model.info);
  const Tokenizer tokenizer(model.spm_model);
  const TextEncoder encoder(tokenizer, layout.recipe());
  keys.templ = template_of(model.info);
  CompareHandler tasks(keys);  // the same source and candidate texts compare would score
  Streams io(common.input, common.output);
  JsonlReader reader(*io.in);
  std::size_t errors = 0;
  while (reader.next()) {
    auto parsed = reader.parsed();
    Result<Task> task = InputError{};
    if (auto e = error_of(parsed)) {
      task = *e;
    } else {
      task = tasks.make_task(std::get<JsonObject>(parsed));
    }
    if (auto e = error_of(task)) {
      ++errors;
      if (common.pipeline.on_error == OnError::Fail) {
        throw Error(describe(*e));
      }
      *io.out << error_object(*e) << '\n';
      continue;
    }
    const Task& t = std::get<Task>(task);
    const TokenIds src = layout.source_part(encoder.source(t.source));
    std::vector<int64_t> ids;
    auto markers = layout.build(src, encoder.candidate(t.candidates[0]), encoder.candidate(t.candidates[1]), ids);
    std::string fields = "\"input_ids\":[";
    for (std::size_t i = 0; i < ids.size(); ++i) fields += (i ? "," : "") + std::to_string(ids[i]);
    fields += fmt::format("],\"marker_positions\":[{},{},{}]", markers[0], markers[1], markers[2]);
    *io.out << extend_object(reader.raw(), fields) << '\n';
  }
  io.out->flush();
  return errors ? 2 : 0;
}

int run_info(const CommonOptions& common, bool json) {
  const ModelFile model = read_model_file(common.model);
  const ModelInfo& m = model.info;
  if (json) {
    std::cout << m.json << '\n';
    return 0;
  }
  const Recipe& r = m.recipe;
  std::cout << fmt::format(
      "file:        {}\nmodel:       {} (revision {})\nformat:      version {}\nrecipe:      {}: source {} ids ({} "
      "truncation{}), candidate {} ids, total {}{}\nencoder:     {} layers x {} hidden, {} heads, vocabulary {}\n"
      "tokens:      source {}, candidate1 {}, candidate2 {}, pad {}\ntokenizer:   sha256 {}\n",
      model.path, m.model_name, m.revision, m.format_version, r.name, r.source_max_length,
      r.source_keeps_end ? "left" : "right", r.source_marker_separate ? ", marker encoded separately" : "",
      r.candidate_max_length, r.total_max_length,
      r.text_round_trip ? fmt::format("; texts cut through a decode round trip{}", r.clean_up_spaces ? " with clean-up" : "")
                        : "", m.num_layers, m.hidden_size, m.num_heads, m.vocab_size, m.tokens.source,
      m.tokens.candidate1, m.tokens.candidate2, m.tokens.pad, m.tokenizer_sha256);
  return 0;
}

}  // namespace pairrm::cli
