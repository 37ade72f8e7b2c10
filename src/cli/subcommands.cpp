#include "subcommands.hpp"

#include <charconv>
#include <cstdio>
#include <memory>
#include <sstream>

#include "engines.hpp"
#include "model_cache.hpp"
#include "options.hpp"
#include "serve_command.hpp"
#include "signals.hpp"

namespace pairrm::cli {

namespace {

// --reference: an index K, or one of the named choices.
void parse_reference(const std::string& text, RankOptions& rank) {
  for (const auto& c : kReferenceChoices) {
    if (c.name == text) {
      rank.reference = c.value;
      return;
    }
  }
  std::size_t index = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), index);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    std::string names;
    for (const auto& c : kReferenceChoices) names += ", " + std::string(c.name);
    throw Error("--reference " + text + ": expected a candidate index (0, 1, ...) or one of" + names.substr(1));
  }
  rank.reference = ReferenceChoice::Index;
  rank.reference_index = index;
}

// What rank, compare and eval do once their flags are parsed, before the subcommand's own work.
void prepare_record_run(const CLI::App& app, CommonOptions& common) {
  settle_input(common);
  record_invocation(app, common);
  if (!common.server.empty()) {
    // The server runs the model: options about running one here would change nothing.
    for (const char* name : {"--device", "--dtype", "--threads", "--max-batch-tokens", "--max-batch-pairs",
                             "--window", "--source-max-length", "--candidate-max-length"}) {
      if (app.get_option(name)->count() > 0) {
        throw Error(std::string(name) + " applies to the model, which the server runs: not with --server");
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
  auto reference = std::make_shared<std::string>();
  auto* app = parent.add_subcommand("rank", "rank N candidates per prompt: JSONL {\"prompt\", \"candidates\": [...]}");
  add_input_options(*app, *common);
  add_engine_options(*app, *common);
  add_run_options(*app, *common, true);
  app->add_option("--prompt-key", rank->prompt_key, "key of the prompt")->capture_default_str();
  app->add_option("--candidates-key", rank->candidates_key, "key of the candidate list")->capture_default_str();
  auto* mode = add_choice(*app, "--mode", rank->mode, kRankModes,
                          "which pairs run; an exact tie goes to the lower index in every mode");
  auto* aggregate = add_choice(*app, "--aggregate", rank->aggregate, kAggregates, "full mode's scores");
  auto* seed = app->add_option("--seed", rank->seed, "bubble mode's random order")->capture_default_str();
  app->add_option("--top-k", rank->top_k, "add \"order\": the K best candidate indices")->check(at_least_one());
  app->add_flag("--matrix", rank->matrix,
                "add \"logits\": the N x N logit matrix, null where no pair ran (the diagonal); with --reference-key, "
                "(N+1) x (N+1), the reference last");
  app->add_option("--max-candidates", rank->max_candidates, "lines with more candidates become error records")
      ->capture_default_str()->check(at_least_one());
  auto* by_candidate = app->add_option(
      "--reference", *reference,
      "rewards against one of the candidates, 2(N-1) passes: K (an index) | longest | shortest | median | first | last, "
      "by length in characters as LLM-Blender's rank_with_ref");
  auto* by_key = app->add_option("--reference-key", rank->reference_key,
                                 "rewards against the text in this field of each line (2N passes), e.g. reference");
  return {app, [=] {
            // An option that would change nothing in the chosen mode is a mistake worth hearing about.
            if (by_candidate->count() && by_key->count()) throw Error("give --reference or --reference-key, not both");
            if ((by_candidate->count() || by_key->count()) && (mode->count() || aggregate->count() || seed->count())) {
              throw Error("--mode, --aggregate and --seed do not apply with a reference: each candidate is scored "
                          "against it");
            }
            if (rank->mode != RankMode::Full && aggregate->count() > 0) {
              throw Error("--aggregate applies to --mode full only; bubble and knockout rank by how far candidates got");
            }
            if (rank->mode != RankMode::Bubble && seed->count() > 0) {
              throw Error("--seed applies to --mode bubble only (its random order); full and knockout use no randomness");
            }
            if (!reference->empty()) parse_reference(*reference, *rank);
            prepare_record_run(*app, *common);
            return run_rank(*common, *rank);
          }};
}

Subcommand add_compare(CLI::App& parent) {
  auto common = std::make_shared<CommonOptions>();
  auto compare = std::make_shared<CompareOptions>();
  auto flags = std::make_shared<CompareFlags>();
  auto* app = parent.add_subcommand("compare", "is A or B better? --prompt/--a/--b, or JSONL {\"prompt\", \"a\", \"b\"}");
  add_input_options(*app, *common);
  add_engine_options(*app, *common);
  add_run_options(*app, *common, true);
  app->add_option("--prompt", flags->prompt, "the prompt (with --a and --b: one pair, no JSONL)");
  app->add_option("--a", flags->a, "answer A");
  app->add_option("--b", flags->b, "answer B");
  add_choice(*app, "--order", compare->order, kOrders, "which orders run");
  app->add_option("--prompt-key", compare->prompt_key, "key of the prompt")->capture_default_str();
  app->add_option("--a-key", compare->a_key, "key of answer A")->capture_default_str();
  app->add_option("--b-key", compare->b_key, "key of answer B")->capture_default_str();
  return {app, [=] {
            prepare_record_run(*app, *common);
            return run_compare(*common, *compare, *flags);
          }};
}

Subcommand add_eval(CLI::App& parent) {
  auto common = std::make_shared<CommonOptions>();
  auto eval = std::make_shared<EvalOptions>();
  auto files = std::make_shared<EvalFiles>();
  auto* app = parent.add_subcommand(
      "eval", "accuracy on preference pairs {\"prompt\" | \"messages\", \"chosen\", \"rejected\", \"subset\"?}: per-pair JSONL "
              "on stdout, an accuracy table on stderr (none with -q)");
  add_input_options(*app, *common);
  add_engine_options(*app, *common);
  add_run_options(*app, *common, false);
  app->add_option("--summary", files->summary, "write the JSON summary (subsets, overall, sections) to FILE, - for stdout with -o FILE");
  app->add_option("--sections", files->sections,
                  "JSON {\"Section\": [\"subset\", ...]} or {\"Section\": {\"subset\": weight}}: section scores as "
                  "weighted means of subset accuracies (default weight: pairs seen)");
  app->add_option("--subset-key", eval->subset_key, "key of the subset name")->capture_default_str();
  app->add_option("--prompt-key", eval->prompt_key, "key of the prompt")->capture_default_str();
  app->add_option("--chosen-key", eval->chosen_key, "key of the preferred answer")->capture_default_str();
  app->add_option("--rejected-key", eval->rejected_key, "key of the other answer")->capture_default_str();
  return {app, [=] {
            prepare_record_run(*app, *common);
            return run_eval(*common, *eval, *files);
          }};
}

Subcommand add_tokenize(CLI::App& parent) {
  auto common = std::make_shared<CommonOptions>();
  auto pair = std::make_shared<std::string>("0,1");
  auto* app = parent.add_subcommand(
      "tokenize", "print input_ids and marker_positions of one pair of each record, as the model sees them (rank, "
                  "compare and eval lines alike)");
  add_input_options(*app, *common);
  app->add_option("--pair", *pair, "which ordered pair of the record's candidates: I,J (compare: 0 = a; eval: 0 = chosen)")
      ->capture_default_str();
  return {app, [=] {
            settle_input(*common);
            TokenizePair p;
            char comma = 0;
            std::istringstream in(*pair);
            if (!(in >> p.first >> comma >> p.second) || comma != ',' || !in.eof() || p.first == p.second) {
              throw Error("--pair " + *pair + ": expects two different candidate indices I,J such as 1,0");
            }
            common->model = resolve_model(common->model, common->quiet).path;
            return run_tokenize(*common, p);
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
