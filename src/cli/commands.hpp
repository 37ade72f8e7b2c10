// The subcommands behind the CLI: main.cpp turns flags into these option structs and calls one.
// Every default lives here, once; the help text prints them from these structs.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pairrm/tasks/compare.hpp"
#include "pairrm/tasks/eval.hpp"
#include "pairrm/pipeline/pipeline.hpp"
#include "pairrm/runtime/engine.hpp"
#include "pairrm/tasks/rank.hpp"

namespace pairrm::cli {

enum class Progress { Auto, Always, Never };
inline constexpr Choice<Progress> kProgress[] = {
    {"auto", Progress::Auto, "when stderr is a terminal"},
    {"always", Progress::Always, ""},
    {"never", Progress::Never, ""},
};

struct CommonOptions {
  std::string model;            // -m/--model, or PAIRRM_MODEL
  std::string input = "-";      // - is stdin
  std::string input_file;       // the positional FILE, the same as -i FILE
  std::string output = "-";     // - is stdout
  EngineOptions engine;
  PipelineOptions pipeline;
  std::optional<int> source_max_length, candidate_max_length;
  Progress progress = Progress::Auto;
  bool quiet = false;
  std::size_t max_line_bytes = std::size_t{64} << 20;  // longer input lines are error records
  // Long runs (docs/cluster.md).
  bool resume = false;      // --resume: continue OUTPUT where its manifest says it stopped
  std::string shard;        // --shard I/N, "" = the whole input
  std::string run_summary;  // --summary FILE for rank and compare: the run as JSON
  std::string server;       // --server URL: a running `pairrm serve` scores the records (no model here)
  std::string api_key;      // its --api-key
  // Filled by the CLI after parsing: the subcommand, and every option that changes the output with
  // its value (the manifest's record of the invocation).
  std::string command;
  std::vector<std::pair<std::string, std::string>> output_options;
};

struct CompareFlags {
  std::optional<std::string> prompt, a, b;  // one pair from flags instead of JSONL
};

// Each returns the exit code: 0 all records ok, 2 some records were errors. Errors that stop the run
// are thrown as pairrm::Error (main prints them, exit 1).
struct EvalFiles {
  std::string summary;   // JSON summary to this file ("" = none)
  std::string sections;  // sections file ("" = none)
};

// The template name in a model file's recipe as the enum the handlers take.
Template template_of(const ModelInfo& info);

int run_rank(const CommonOptions& common, RankOptions options);
int run_compare(const CommonOptions& common, CompareOptions options, const CompareFlags& flags);
int run_eval(const CommonOptions& common, EvalOptions options, const EvalFiles& files);
// The ids of one ordered pair of each record's candidates (any record shape), as the model sees them.
struct TokenizePair {
  std::size_t first = 0, second = 1;
};
// The keys of each record shape (their --*-key options).
struct TokenizeKeys {
  RankOptions rank;
  CompareOptions compare;
  EvalOptions eval;
};
int run_tokenize(const CommonOptions& common, TokenizeKeys keys, TokenizePair pair);
int run_info(const CommonOptions& common, bool json);

}  // namespace pairrm::cli
