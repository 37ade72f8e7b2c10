#include "commands.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "pairrm/engine.hpp"
#include "pairrm/model_file.hpp"

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

  void finish(const Summary& s) {
    if (live_) std::fprintf(stderr, "\r\033[K");
    if (!quiet_) std::fprintf(stderr, "pairrm: %s\n", line(s).c_str());
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

int run_records(const CommonOptions& common, RecordHandler& handler, std::istream* override_in = nullptr) {
  const ModelFile model = read_model_file(common.model);
  const Layout layout = make_layout(common, model.info);
  const Tokenizer tokenizer(model.spm_model);
  Engine engine(model, common.engine);
  Streams io(override_in ? "-" : common.input, common.output);
  JsonlReader reader(override_in ? *override_in : *io.in);
  std::size_t input_bytes = 0;
  if (!override_in && common.input != "-") {
    std::error_code ec;
    if (std::filesystem::is_regular_file(common.input, ec)) input_bytes = std::filesystem::file_size(common.input, ec);
  }
  Reporter reporter(common, input_bytes);
  const Summary s = run_pipeline(reader, *io.out, handler, tokenizer, layout, engine, common.pipeline,
                                 [&](const Summary& s) { reporter.update(s); });
  reporter.finish(s);
  if (!*io.out) throw Error("writing the output failed (disk full or closed pipe?)");
  return s.errors ? 2 : 0;
}

}  // namespace

int run_rank(const CommonOptions& common, const RankOptions& options) {
  RankHandler handler(options);
  return run_records(common, handler);
}

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
    CompareHandler handler(options);
    CommonOptions quiet = common;
    quiet.quiet = true;
    return run_records(quiet, handler, &in);
  }
  CompareHandler handler(options);
  return run_records(common, handler);
}

int run_tokenize(const CommonOptions& common, const CompareOptions& keys) {
  const ModelFile model = read_model_file(common.model);
  const Layout layout = make_layout(common, model.info);
  const Tokenizer tokenizer(model.spm_model);
  Streams io(common.input, common.output);
  JsonlReader reader(*io.in);
  std::size_t errors = 0;
  while (reader.next()) {
    auto parsed = reader.parsed();
    InputError err;
    bool ok = false;
    std::string fields;
    if (auto e = error_of(parsed)) {
      err = *e;
    } else {
      const JsonObject& obj = std::get<JsonObject>(parsed);
      auto p = obj.string(keys.prompt_key);
      auto a = obj.string(keys.a_key);
      auto b = obj.string(keys.b_key);
      if (auto e = error_of(p)) {
        err = *e;
      } else if (auto e2 = error_of(a)) {
        err = *e2;
      } else if (auto e3 = error_of(b)) {
        err = *e3;
      } else {
        const TokenIds src = layout.source_part(tokenizer.encode(std::get<std::string_view>(p)));
        std::vector<int64_t> ids;
        auto markers = layout.build(src, tokenizer.encode(std::get<std::string_view>(a)),
                                    tokenizer.encode(std::get<std::string_view>(b)), ids);
        fields = "\"input_ids\":[";
        for (std::size_t i = 0; i < ids.size(); ++i) fields += (i ? "," : "") + std::to_string(ids[i]);
        fields += fmt::format("],\"marker_positions\":[{},{},{}]", markers[0], markers[1], markers[2]);
        ok = true;
      }
    }
    if (ok) {
      *io.out << extend_object(reader.raw(), fields) << '\n';
    } else {
      ++errors;
      if (common.pipeline.on_error == OnError::Fail) {
        throw Error(fmt::format("line {}{}: {}", err.line, err.field.empty() ? "" : ", field \"" + err.field + "\"", err.message));
      }
      *io.out << error_object(err) << '\n';
    }
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
      "truncation{}), candidate {} ids, total {}\nencoder:     {} layers x {} hidden, {} heads, vocabulary {}\n"
      "tokens:      source {}, candidate1 {}, candidate2 {}, pad {}\ntokenizer:   sha256 {}\n",
      model.path, m.model_name, m.revision, m.format_version, r.name, r.source_max_length,
      r.source_keeps_end ? "left" : "right", r.source_marker_separate ? ", marker encoded separately" : "",
      r.candidate_max_length, r.total_max_length, m.num_layers, m.hidden_size, m.num_heads, m.vocab_size, m.tokens.source,
      m.tokens.candidate1, m.tokens.candidate2, m.tokens.pad, m.tokenizer_sha256);
  return 0;
}

}  // namespace pairrm::cli
