#include "options.hpp"

#include <charconv>
#include <set>

namespace pairrm::cli {

std::string usage_hint(const CLI::App& app, const CLI::ParseError& e) {
  const CLI::App* used = nullptr;
  std::string names;
  for (const CLI::App* sub : app.get_subcommands({})) {
    names += (names.empty() ? "" : ", ") + sub->get_name();
    if (sub->parsed()) used = sub;
  }
  if (!used) return "; the subcommands are " + names + " (pairrm --help)";
  const std::string where = "pairrm " + used->get_name();
  if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
    return "; " + where + " reads one input file (-i FILE, or FILE, or stdin); to join several: cat A B | " + where;
  }
  return "; see " + where + " --help";
}

const CLI::Validator& at_least_one() {
  static const CLI::Validator check(
      [](std::string& value) -> std::string {
        std::size_t n = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc() || end != value.data() + value.size() || n < 1) {
          return "expects a whole number of at least 1, got \"" + value + "\"";
        }
        return "";
      },
      "POSITIVE", "at least 1");
  return check;
}

void add_input_options(CLI::App& app, CommonOptions& o) {
  app.add_option("-m,--model", o.model,
                 "model file (scripts/export_model.sh), Hugging Face checkpoint directory, or Hub name org/name[@rev] "
                 "(exported once into the model cache)")
      ->envname("PAIRRM_MODEL");
  app.add_option("-i,--input", o.input, "JSONL input, - for stdin")->capture_default_str();
  app.add_option("input", o.input_file, "JSONL input file (the same as -i FILE)");
  app.add_option("-o,--output", o.output, "JSONL output, - for stdout")->capture_default_str();
  app.add_option("--source-max-length", o.source_max_length, "lower the recipe's source limit (ids)");
  app.add_option("--candidate-max-length", o.candidate_max_length, "lower the recipe's candidate limit (ids)");
  add_choice(app, "--on-error", o.pipeline.on_error, kOnErrors, "bad input lines");
  app.add_option("--id-key", o.pipeline.id_key, "error records keep the line's value of this key")->capture_default_str();
  app.add_option("--max-line-bytes", o.max_line_bytes, "longer input lines become error records (memory bound)")
      ->capture_default_str()->check(at_least_one());
}

void settle_input(CommonOptions& o) {
  if (o.input_file.empty()) return;
  if (o.input != "-") throw Error("the input is given twice (-i " + o.input + " and " + o.input_file + "); give one");
  o.input = o.input_file;
}

void add_engine_options(CLI::App& app, CommonOptions& o) {
  app.add_option("--device", o.engine.device, "auto | cpu | cuda | cuda:N | cuda:0,1 (one engine per GPU)")
      ->capture_default_str();
  app.add_option("--dtype", o.engine.dtype, "auto (bf16 on GPU where supported, else fp16; fp32 on CPU) | fp32 | fp16 | bf16")
      ->capture_default_str();
  app.add_option("--threads", o.engine.threads, "CPU threads for the model, 0 = libtorch's default")->capture_default_str();
  app.add_option("--max-batch-tokens", o.pipeline.limits.max_tokens, "token budget per batch, padding counted")
      ->capture_default_str()->check(at_least_one());
  app.add_option("--max-batch-pairs", o.pipeline.limits.max_pairs, "pairs per batch at most")
      ->capture_default_str()->check(at_least_one());
  app.add_option("--window", o.pipeline.window_records, "input records held at once (memory bound)")
      ->capture_default_str()->check(at_least_one());
  app.add_option("--schedule-horizon", o.pipeline.horizon_batches,
                 "batches are cut from the oldest pending pairs, this many batches' worth per device (0: from all): "
                 "fewer keeps lines flowing in order and a stop from losing scored work, more fills batches")
      ->capture_default_str();
  add_choice(app, "--progress", o.progress, kProgress, "progress line on stderr");
  app.add_flag("-q,--quiet", o.quiet, "no progress and no summary on stderr");
}

void add_run_options(CLI::App& app, CommonOptions& o, bool summary) {
  app.add_flag("--resume", o.resume,
               "continue -o FILE where an interrupted run stopped (checked against FILE.pairrm-run.json); starts "
               "afresh when FILE does not exist");
  app.add_option("--shard", o.shard, "process shard I of N (0-based, e.g. $SLURM_ARRAY_TASK_ID/N) of -i FILE");
  if (summary) app.add_option("--summary", o.run_summary, "write the run's summary (JSON) to FILE");
  app.add_option("--server", o.server,
                 "send the records to a running `pairrm serve` at URL instead of loading a model (same output)")
      ->envname("PAIRRM_SERVER");
  app.add_option("--api-key", o.api_key, "the server's --api-key")->envname("PAIRRM_API_KEY");
}

void record_invocation(const CLI::App& app, CommonOptions& o) {
  static const std::set<std::string> not_output = {"--help", "--model", "--input", "--output", "--resume", "--summary",
                                                   "--progress", "--quiet", "--threads", "--shard", "--max-batch-tokens",
                                                   "--max-batch-pairs", "--window", "--schedule-horizon", "--sections",
                                                   "--server", "--api-key"};
  o.command = app.get_name();
  o.output_options.clear();
  for (const CLI::Option* opt : app.get_options()) {
    const std::string name = opt->get_name(false, true);  // the long form
    if (name.rfind("--", 0) != 0 || not_output.count(name)) continue;
    std::string value;
    if (opt->count() > 0) {
      for (const std::string& r : opt->results()) value += (value.empty() ? "" : ",") + r;
    } else {
      value = opt->get_default_str();
    }
    o.output_options.emplace_back(name, value);
  }
}

}  // namespace pairrm::cli
