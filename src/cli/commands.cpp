#include "commands.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "pairrm/io/byte_input.hpp"
#include "pairrm/io/json_writer.hpp"
#include "pairrm/io/model_file.hpp"
#include "pairrm/tasks/options_json.hpp"
#include "model_hooks.hpp"
#include "run_output.hpp"
#include "run_records.hpp"

namespace pairrm::cli {

namespace {

std::string read_text_file(const std::string& path, const char* what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(path + ": cannot read the " + what + " (" + std::strerror(errno) + ")");
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

Template template_of(const ModelInfo& info) {
  return template_named(info.recipe.template_name);
}

namespace {
// The record subcommands' one set-up: the handler is made once the model file says its template.
template <typename Handler, typename Options>
int run_handler(const CommonOptions& common, Options options, std::unique_ptr<Handler>& handler,
                std::istream* in = nullptr, OutputTotals* totals = nullptr) {
  return run_records(
      common,
      [&](const ModelInfo& info) -> MadeHandler {
        options.templ = template_of(info);
        handler = std::make_unique<Handler>(options);
        return {*handler, common.command, options_json(options)};
      },
      in, totals);
}
}  // namespace

int run_rank(const CommonOptions& common, RankOptions options) {
  std::unique_ptr<RankHandler> handler;
  return run_handler(common, std::move(options), handler);
}

int run_eval(const CommonOptions& common, EvalOptions options, const EvalFiles& files) {
  const std::vector<Section> sections =
      files.sections.empty() ? std::vector<Section>{} : parse_sections(read_text_file(files.sections, "sections file"), files.sections);
  check_summary(files.summary, common);
  std::unique_ptr<EvalHandler> handler;
  OutputTotals totals;
  const int code = run_handler(common, std::move(options), handler, nullptr, &totals);
  if (!common.quiet) std::fputs(eval_table(handler->counts(), sections, totals.errors).c_str(), stderr);
  if (!files.summary.empty()) {
    write_text(files.summary, eval_summary_json(handler->counts(), sections, totals.errors), "summary");
  }
  return code;
}

int run_compare(const CommonOptions& common, CompareOptions options, const CompareFlags& flags) {
  if (flags.prompt || flags.a || flags.b) {
    if (!flags.prompt || !flags.a || !flags.b) throw Error("compare: give all of --prompt, --a and --b, or none (JSONL input)");
    JsonWriter line;
    line.begin_object().field(options.prompt_key, *flags.prompt).field(options.a_key, *flags.a).field(options.b_key, *flags.b);
    std::istringstream in(line.end_object().str());
    options.echo_input = false;
    CommonOptions quiet = common;
    quiet.quiet = true;
    std::unique_ptr<CompareHandler> handler;
    return run_handler(quiet, std::move(options), handler, &in);
  }
  std::unique_ptr<CompareHandler> handler;
  return run_handler(common, std::move(options), handler);
}

int run_info(const CommonOptions& common, bool json) {
  const ModelFile model = read_model_file(common.model, verified_models_dir());
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
