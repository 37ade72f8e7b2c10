// pairrm: rerank LLM generations with PairRM. Flags -> option structs -> a subcommand; errors are
// printed here and nowhere else.
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <map>

#include <CLI/CLI.hpp>

#include "commands.hpp"

using namespace pairrm;
using namespace pairrm::cli;

namespace {

void add_common(CLI::App& app, CommonOptions& o) {
  app.add_option("-m,--model", o.model, "model file written by scripts/export_model.sh")->envname("PAIRRM_MODEL");
  app.add_option("-i,--input", o.input, "JSONL input, - for stdin")->capture_default_str();
  app.add_option("-o,--output", o.output, "JSONL output, - for stdout")->capture_default_str();
  app.add_option("--source-max-length", o.source_max_length, "lower the recipe's source limit (ids)");
  app.add_option("--candidate-max-length", o.candidate_max_length, "lower the recipe's candidate limit (ids)");
  app.add_option("--on-error", o.pipeline.on_error, "bad input lines: skip (an error record in their place) or fail")
      ->transform(CLI::CheckedTransformer(std::map<std::string, OnError>{{"skip", OnError::Skip}, {"fail", OnError::Fail}}))
      ->option_text("skip|fail (default skip)");
}

void add_engine(CLI::App& app, CommonOptions& o) {
  app.add_option("--device", o.engine.device, "auto | cpu | cuda | cuda:N")->capture_default_str();
  app.add_option("--dtype", o.engine.dtype, "auto (bf16 on GPU where supported, else fp16; fp32 on CPU) | fp32 | fp16 | bf16")
      ->capture_default_str();
  app.add_option("--threads", o.engine.threads, "CPU threads for the model, 0 = libtorch's default")->capture_default_str();
  app.add_option("--max-batch-tokens", o.pipeline.limits.max_tokens, "token budget per batch, padding counted")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--max-batch-pairs", o.pipeline.limits.max_pairs, "pairs per batch at most")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--window", o.pipeline.window_records, "input records held at once (memory bound)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--progress", o.progress, "progress line on stderr: auto (when a terminal) | always | never")
      ->transform(CLI::CheckedTransformer(std::map<std::string, Progress>{
          {"auto", Progress::Auto}, {"always", Progress::Always}, {"never", Progress::Never}}))
      ->option_text("auto|always|never (default auto)");
  app.add_flag("-q,--quiet", o.quiet, "no progress and no summary on stderr");
}

// The model allocates attention-sized tensors (often hundreds of MB) for every layer of every batch.
// glibc serves those with fresh mmaps and pays page faults on each; a main arena that never unmaps or
// trims reuses the same pages instead (the pipeline runs the model on the main thread). Measured on
// `rank` of 12 pairs, small shape, 2 threads: 18.2-22.6 s wall without, 13.6-15.5 s with
// (BENCHMARKS.md), at the cost of holding the peak working set until exit, which a batch tool can.
// Set before anything is allocated; MALLOC_* environment variables still override.
void tune_malloc() {
  if (!std::getenv("MALLOC_MMAP_MAX_")) mallopt(M_MMAP_MAX, 0);
  if (!std::getenv("MALLOC_TRIM_THRESHOLD_")) mallopt(M_TRIM_THRESHOLD, 64L << 30);
}

}  // namespace

int main(int argc, char** argv) {
  tune_malloc();
  CLI::App app{"pairrm: rank LLM generations with PairRM / Better-PairRM.\n"
               "stdout carries JSONL only; messages go to stderr. Exit codes: 0 ok, 1 usage or model error,\n"
               "2 some input lines were errors."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "pairrm 0.1.0");

  CommonOptions common;

  RankOptions rank;
  auto* rank_cmd = app.add_subcommand("rank", "rank N candidates per prompt: JSONL {\"prompt\", \"candidates\": [...]}");
  add_common(*rank_cmd, common);
  add_engine(*rank_cmd, common);
  rank_cmd->add_option("--prompt-key", rank.prompt_key, "key of the prompt")->capture_default_str();
  rank_cmd->add_option("--candidates-key", rank.candidates_key, "key of the candidate list")->capture_default_str();
  rank_cmd->add_option("--mode", rank.mode, "full (all ordered pairs) | bubble (n-1 matches) | knockout (single elimination)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, RankMode>{
          {"full", RankMode::Full}, {"bubble", RankMode::Bubble}, {"knockout", RankMode::Knockout}}))
      ->option_text("full|bubble|knockout (default full)");
  auto* aggregate_opt =
      rank_cmd->add_option("--aggregate", rank.aggregate, "full mode's scores: max_logits | max_wins | bradley_terry")
          ->transform(CLI::CheckedTransformer(std::map<std::string, Aggregate>{{"max_logits", Aggregate::MaxLogits},
                                                                               {"max_wins", Aggregate::MaxWins},
                                                                               {"bradley_terry", Aggregate::BradleyTerry}}))
          ->option_text("max_logits|max_wins|bradley_terry (default max_logits)");
  rank_cmd->add_option("--seed", rank.seed, "bubble mode's random order")->capture_default_str();
  rank_cmd->add_option("--top-k", rank.top_k, "add \"order\": the K best candidate indices")->check(CLI::PositiveNumber);
  rank_cmd->add_flag("--matrix", rank.matrix, "add \"logits\": the N x N logit matrix (diagonal null)");
  std::string reference;
  rank_cmd->add_option("--reference", reference,
                       "rewards against a reference candidate (2N passes): K (an index) | longest | shortest | median | "
                       "first | last (by tokens); a line's \"reference\": \"text\" overrides it");

  CompareOptions compare;
  CompareFlags flags;
  auto* compare_cmd = app.add_subcommand("compare", "is A or B better? --prompt/--a/--b, or JSONL {\"prompt\", \"a\", \"b\"}");
  add_common(*compare_cmd, common);
  add_engine(*compare_cmd, common);
  compare_cmd->add_option("--prompt", flags.prompt, "the prompt (with --a and --b: one pair, no JSONL)");
  compare_cmd->add_option("--a", flags.a, "answer A");
  compare_cmd->add_option("--b", flags.b, "answer B");
  compare_cmd->add_option("--order", compare.order, "ab | ba | both (both orders, margin = logit_ab - logit_ba)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, Order>{{"ab", Order::AB}, {"ba", Order::BA}, {"both", Order::Both}}))
      ->option_text("ab|ba|both (default both)");

  EvalOptions eval;
  EvalFiles eval_files;
  auto* eval_cmd = app.add_subcommand(
      "eval", "accuracy on preference pairs {\"prompt\" | \"messages\", \"chosen\", \"rejected\", \"subset\"?}: per-pair JSONL "
              "on stdout, a table on stderr");
  add_common(*eval_cmd, common);
  add_engine(*eval_cmd, common);
  eval_cmd->add_option("--summary", eval_files.summary, "write the JSON summary (subsets, overall, sections) to FILE");
  eval_cmd->add_option("--sections", eval_files.sections,
                       "JSON {\"Section\": [\"subset\", ...]} or {\"Section\": {\"subset\": weight}}: section scores as "
                       "weighted means of subset accuracies (default weight: pairs seen)");
  eval_cmd->add_option("--subset-key", eval.subset_key, "key of the subset name")->capture_default_str();

  CompareOptions tokenize_keys;
  auto* tokenize_cmd = app.add_subcommand("tokenize", "print input_ids and marker_positions of JSONL {\"prompt\", \"a\", \"b\"}");
  add_common(*tokenize_cmd, common);

  bool info_json = false;
  auto* info_cmd = app.add_subcommand("info", "what is inside a model file");
  info_cmd->add_option("-m,--model", common.model, "model file")->envname("PAIRRM_MODEL");
  info_cmd->add_flag("--json", info_json, "print pairrm.json as stored");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 1;
  }

  try {
    if (*rank_cmd) {
      if (rank.mode != RankMode::Full && aggregate_opt->count() > 0) {
        throw Error("--aggregate applies to --mode full only; bubble and knockout rank by how far candidates got");
      }
      if (!reference.empty()) {
        static const std::map<std::string, ReferenceChoice> names = {
            {"longest", ReferenceChoice::Longest}, {"shortest", ReferenceChoice::Shortest},
            {"median", ReferenceChoice::Median},   {"first", ReferenceChoice::First},
            {"last", ReferenceChoice::Last}};
        if (auto it = names.find(reference); it != names.end()) {
          rank.reference = it->second;
        } else if (reference.find_first_not_of("0123456789") == std::string::npos) {
          rank.reference = ReferenceChoice::Index;
          rank.reference_index = std::stoul(reference);
        } else {
          throw Error("--reference " + reference + ": expected an index or longest, shortest, median, first, last");
        }
      }
      return run_rank(common, rank);
    }
    if (*compare_cmd) return run_compare(common, compare, flags);
    if (*tokenize_cmd) return run_tokenize(common, tokenize_keys);
    if (*eval_cmd) return run_eval(common, eval, eval_files);
    if (*info_cmd) return run_info(common, info_json);
  } catch (const Error& e) {
    std::fprintf(stderr, "pairrm: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pairrm: internal error: %s (this is a bug; please report it)\n", e.what());
    return 1;
  }
  return 1;
}
