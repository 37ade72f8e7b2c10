#include "subcommands.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <sstream>

#include "pairrm/runtime/engines.hpp"
#include "model_hooks.hpp"
#include "options.hpp"
#include "serve_command.hpp"
#include "signals.hpp"

namespace pairrm::cli {

namespace {

// What rank, compare and eval do once their flags are parsed, before the subcommand's own work.
template <typename Options>
void prepare_record_run(const CLI::App& app, const Registered& registered, CommonOptions& common,
                        const Options& options) {
  const auto flag = [&](std::string_view field) { return registered.flag(field); };
  if (auto problem = check_options(options, registered.given(), flag)) throw Error(problem->message);
  settle_input(common);
  common.command = app.get_name();
  common.output_options = registered.output_values();
  if (!common.server.empty()) {
    // The server runs the model: options about running one here would change nothing.
    for (const char* field : {"device", "dtype", "threads", "max_batch_tokens", "max_batch_pairs", "window",
                              "source_max_length", "candidate_max_length"}) {
      if (registered.given(field)) {
        throw Error(registered.flag(field) + " applies to the model, which the server runs: not with --server");
      }
    }
    install_stop_signals();
    return;
  }
  device_list(common.engine);  // a bad --device or --dtype is refused before any model work
  install_stop_signals();      // from here a SIGTERM stops cleanly, an export included
  common.model = resolve_model(common.model, common.quiet).path;
}

Subcommand add_rank(CLI::App& parent) {
  auto common = std::make_shared<CommonOptions>();
  auto rank = std::make_shared<RankOptions>();
  auto registered = std::make_shared<Registered>();
  auto* app = parent.add_subcommand("rank", "rank N candidates per prompt: JSONL {\"prompt\", \"candidates\": [...]}");
  add_record_options(*app, *registered, *common, true);
  app->add_option("--summary", common->run_summary, "write the run's summary (JSON) to FILE");
  add_task_options(*app, *registered, *rank);
  return {app, [=] {
            prepare_record_run(*app, *registered, *common, *rank);
            return run_rank(*common, *rank);
          }};
}

Subcommand add_compare(CLI::App& parent) {
  auto common = std::make_shared<CommonOptions>();
  auto compare = std::make_shared<CompareOptions>();
  auto flags = std::make_shared<CompareFlags>();
  auto registered = std::make_shared<Registered>();
  auto* app = parent.add_subcommand("compare", "is A or B better? --prompt/--a/--b, or JSONL {\"prompt\", \"a\", \"b\"}");
  add_record_options(*app, *registered, *common, true);
  app->add_option("--summary", common->run_summary, "write the run's summary (JSON) to FILE");
  app->add_option("--prompt", flags->prompt, "the prompt (with --a and --b: one pair, no JSONL)");
  app->add_option("--a", flags->a, "answer A");
  app->add_option("--b", flags->b, "answer B");
  add_task_options(*app, *registered, *compare);
  return {app, [=] {
            if (flags->prompt || flags->a || flags->b) {
              // One pair from flags reads no input: an input given as well would be ignored.
              for (const char* field : {"input", "resume", "shard"}) {
                if (registered->given(field)) {
                  throw Error("--prompt/--a/--b give one pair; " + registered->flag(field) +
                              " reads JSONL input: give one or the other");
                }
              }
              if (!common->input_file.empty()) {
                throw Error("--prompt/--a/--b give one pair; the input file " + common->input_file +
                            " would be ignored: give one or the other");
              }
            }
            prepare_record_run(*app, *registered, *common, *compare);
            return run_compare(*common, *compare, *flags);
          }};
}

Subcommand add_eval(CLI::App& parent) {
  auto common = std::make_shared<CommonOptions>();
  auto eval = std::make_shared<EvalOptions>();
  auto files = std::make_shared<EvalFiles>();
  auto registered = std::make_shared<Registered>();
  auto* app = parent.add_subcommand(
      "eval", "accuracy on preference pairs {\"prompt\" | \"messages\", \"chosen\", \"rejected\", \"subset\"?}: per-pair JSONL "
              "on stdout, an accuracy table on stderr (none with -q)");
  add_record_options(*app, *registered, *common, true);
  app->add_option("--summary", files->summary, "write the JSON summary (subsets, overall, sections, errors) to FILE, - for stdout with -o FILE");
  app->add_option("--sections", files->sections,
                  "JSON {\"Section\": [\"subset\", ...]} or {\"Section\": {\"subset\": weight}}: section scores as "
                  "weighted means of subset accuracies (default weight: pairs seen)");
  add_task_options(*app, *registered, *eval);
  return {app, [=] {
            prepare_record_run(*app, *registered, *common, *eval);
            return run_eval(*common, *eval, *files);
          }};
}

// tokenize reads any record shape: the key options of rank, compare and eval, each flag once
// (--prompt-key sets all three), the reference key left out (it adds no pair).
struct KeyAdder {
  CliAdder& adder;
  std::vector<std::string>& seen;
  void operator()(std::string& value, const OptionDoc& d) {
    const std::string_view field = d.field;
    if (!(d.places & kCli) || field.size() < 4 || field.substr(field.size() - 4) != "_key" || field == "reference_key") return;
    if (std::find(seen.begin(), seen.end(), field) != seen.end()) return;
    seen.emplace_back(field);
    adder(value, d);
  }
  template <typename T>
  void operator()(T&, const OptionDoc&) {}
  template <typename E, std::size_t N>
  void choice(E&, const Choice<E> (&)[N], const OptionDoc&) {}
  void reference(ReferenceOption, const OptionDoc&) {}
};

Subcommand add_tokenize(CLI::App& parent) {
  auto common = std::make_shared<CommonOptions>();
  auto keys = std::make_shared<TokenizeKeys>();
  auto pair = std::make_shared<std::string>("0,1");
  auto registered = std::make_shared<Registered>();
  auto* app = parent.add_subcommand(
      "tokenize", "print input_ids and marker_positions of one pair of each record, as the model sees them (rank, "
                  "compare and eval lines alike)");
  registered->add(*app, [](CliAdder& a, CommonOptions& c) { visit_input_options(a, c); }, *common);
  app->add_option("input", common->input_file, "JSONL input file (the same as -i FILE)");
  app->add_option("--pair", *pair, "which ordered pair of the record's candidates: I,J (compare: 0 = a; eval: 0 = chosen)")
      ->capture_default_str();
  {
    CliAdder adder{*app, *registered};
    std::vector<std::string> seen;
    KeyAdder k{adder, seen};
    visit_options(k, keys->rank);
    visit_options(k, keys->compare);
    visit_options(k, keys->eval);
  }
  return {app, [=] {
            settle_input(*common);
            keys->compare.prompt_key = keys->eval.prompt_key = keys->rank.prompt_key;
            TokenizePair p;
            char comma = 0;
            std::istringstream in(*pair);
            if (!(in >> p.first >> comma >> p.second) || comma != ',' || !in.eof() || p.first == p.second) {
              throw Error("--pair " + *pair + ": expects two different candidate indices I,J such as 1,0");
            }
            common->model = resolve_model(common->model, common->quiet).path;
            return run_tokenize(*common, *keys, p);
          }};
}

Subcommand add_info(CLI::App& parent) {
  auto common = std::make_shared<CommonOptions>();
  auto json = std::make_shared<bool>(false);
  auto* app = parent.add_subcommand("info", "what is inside a model file (or a cached directory or Hub model)");
  app->add_option("-m,--model", common->model, "model file, checkpoint directory or Hub name")->envname("PAIRRM_MODEL");
  app->add_flag("--json", *json, "print pairrm.json as stored");
  return {app, [=] {
            // What the name or directory is, without downloading or exporting anything.
            const ResolvedModel resolved = resolve_model(common->model, false, false);
            if (!resolved.not_exported.empty()) {
              std::printf("source:      %s\nstatus:      %s\n", resolved.source.c_str(), resolved.not_exported.c_str());
              return 0;
            }
            if (resolved.cached && !*json) {
              std::printf("source:      %s%s\ncache:       %s\n", resolved.source.c_str(),
                          resolved.revision.empty() ? "" : (" (revision " + resolved.revision + ")").c_str(),
                          resolved.path.c_str());
            }
            common->model = resolved.path;
            return run_info(*common, *json);
          }};
}

Subcommand add_models(CLI::App& parent) {
  auto* app = parent.add_subcommand("models", "list the model cache (-m DIR or -m org/name exports into it)");
  return {app, [] {
            const auto models = list_cached_models();
            std::uintmax_t total = 0;
            for (const auto& m : models) {
              std::printf("%10.1f MB  %s\n", m.bytes / 1e6, m.path.c_str());
              total += m.bytes;
            }
            std::printf("%10.1f MB  in %zu files under %s\n", total / 1e6, models.size(), model_cache_dir().c_str());
            return 0;
          }};
}

}  // namespace

std::vector<Subcommand> add_subcommands(CLI::App& app) {
  return {add_rank(app), add_compare(app), add_eval(app), add_tokenize(app), add_info(app), add_models(app), add_serve(app)};
}

}  // namespace pairrm::cli
