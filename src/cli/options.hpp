// The command line's options, declared once in lists (the subcommands' own in
// tasks/option_list.hpp, the common ones here): CLI11 registration, help with the default printed
// from the option struct (commands.hpp holds every default), the checks, which were given, and the
// run manifest's record of the options that change the output, all walk the same lists.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "pairrm/tasks/option_list.hpp"

namespace pairrm::cli {

// -m, -i, -o, limits, --on-error: every subcommand that reads records.
template <typename V>
void visit_input_options(V& v, CommonOptions& o) {
  v(o.model, {"model", "-m,--model",
              "model file (scripts/export_model.sh), Hugging Face checkpoint directory, or Hub name org/name[@rev] "
              "(exported once into the model cache)",
              kCli, false, 0, "PAIRRM_MODEL"});
  v(o.input, {"input", "-i,--input", "JSONL input, - for stdin", kCli, false});
  v(o.output, {"output", "-o,--output", "JSONL output, - for stdout", kCli, false});
  v(o.source_max_length, {"source_max_length", "--source-max-length", "lower the recipe's source limit (ids)", kCli,
                          true, 1});
  v(o.candidate_max_length, {"candidate_max_length", "--candidate-max-length",
                             "lower the recipe's candidate limit (ids)", kCli, true, 1});
  v.choice(o.pipeline.on_error, kOnErrors, {"on_error", "--on-error", "bad input lines"});
  v(o.pipeline.id_key, {"id_key", "--id-key", "error records keep the line's value of this key"});
  v(o.max_line_bytes, {"max_line_bytes", "--max-line-bytes", "longer input lines become error records (memory bound)",
                       kCli, true, 1});
}

// The model on its devices: every subcommand that runs it, `serve` included. The device and dtype
// change the output (float rounding), and the manifest records what `auto` resolved to.
template <typename V>
void visit_engine_options(V& v, CommonOptions& o) {
  v(o.engine.device, {"device", "--device", "auto | cpu | cuda | cuda:N | cuda:0,1 (one engine per GPU)"});
  v(o.engine.dtype, {"dtype", "--dtype", "auto (bf16 on GPU where supported, else fp16; fp32 on CPU) | fp32 | fp16 | bf16"});
  v(o.engine.threads, {"threads", "--threads", "CPU threads for the model, 0 = libtorch's default", kCli, false});
  v(o.pipeline.limits.max_tokens, {"max_batch_tokens", "--max-batch-tokens", "token budget per batch, padding counted",
                                   kCli, false, 1});
  v(o.pipeline.limits.max_pairs, {"max_batch_pairs", "--max-batch-pairs", "pairs per batch at most", kCli, false, 1});
}

// How a local run flows: memory, scheduling, what stderr shows.
template <typename V>
void visit_flow_options(V& v, CommonOptions& o) {
  v(o.pipeline.window_records, {"window", "--window", "input records held at once (memory bound)", kCli, false, 1});
  v(o.pipeline.horizon_batches,
    {"schedule_horizon", "--schedule-horizon",
     "batches are cut from the oldest pending pairs, this many batches' worth per device (0: from all): fewer keeps "
     "lines flowing in order and a stop from losing scored work, more fills batches",
     kCli, false});
  v.choice(o.progress, kProgress, {"progress", "--progress", "progress line on stderr", kCli, false});
  v(o.quiet, {"quiet", "-q,--quiet", "no progress and no summary on stderr", kCli, false});
}

// --resume, --shard, --server: long batch runs (the shard is recorded in the manifest on its own).
template <typename V>
void visit_run_options(V& v, CommonOptions& o) {
  v(o.resume, {"resume", "--resume",
               "continue -o FILE where an interrupted run stopped (checked against FILE.pairrm-run.json); starts "
               "afresh when FILE does not exist",
               kCli, false});
  v(o.shard, {"shard", "--shard", "process shard I of N (0-based, e.g. $SLURM_ARRAY_TASK_ID/N) of -i FILE", kCli, false});
  v(o.server, {"server", "--server",
               "send the records to a running `pairrm serve` at URL instead of loading a model (same output)", kCli,
               false, 0, "PAIRRM_SERVER"});
  v(o.api_key, {"api_key", "--api-key", "the server's --api-key", kCli, false, 0, "PAIRRM_API_KEY"});
}

// The options a subcommand registered from the lists, by field: which were given, their flags,
// and the output-changing ones with their values for the run manifest.
class Registered {
 public:
  template <typename Visit, typename Options>
  void add(CLI::App& app, Visit visit, Options& options);

  // Fields given on the command line (or through their environment variable).
  GivenOptions given() const;
  bool given(std::string_view field) const;
  // "--top-k" for "top_k" (the field itself when not registered).
  std::string flag(std::string_view field) const;
  // Every long flag registered, for "did you mean".
  std::vector<std::string_view> flags() const;
  // After parsing (and after `auto` resolved, see set_value): flag -> value of each option that
  // changes the output, as the run manifest records it.
  std::vector<std::pair<std::string, std::string>> output_values() const;
  // The value recorded for `field` from now on (a device or dtype `auto` once resolved).
  void set_value(std::string_view field, std::string value);

  struct Entry {
    std::string field, flag;
    CLI::Option* option;
    bool output;
    std::function<std::string()> value;  // the option struct's current value as text
  };
  std::vector<Entry> entries;
};

// A whole number of at least `min`, said so in words when it is not.
CLI::Validator at_least(uint64_t min);

// An enum option that takes the names of `table` and nothing else (not the enum's numbers).
template <typename E, std::size_t N>
CLI::Option* add_choice(CLI::App& app, const std::string& flag, E& target, const Choice<E> (&table)[N],
                        const std::string& help) {
  std::string details;
  for (const auto& c : table) {
    if (!c.help.empty()) details += (details.empty() ? "" : "; ") + std::string(c.name) + ": " + std::string(c.help);
  }
  const std::string fallback(name_of(table, target));
  auto check = CLI::Validator(
      [&table](std::string& value) -> std::string { return find_choice(table, value) ? "" : not_a_choice(table, value); },
      "", "choice");
  return app.add_option(flag)
      ->description(help + (details.empty() ? "" : " (" + details + ")"))
      ->type_size(1)
      ->check(check)
      ->each([&target, &table](const std::string& value) {
        if (const auto* c = find_choice(table, value)) target = c->value;
      })
      ->default_str(fallback)
      ->option_text(choice_names(table, "|") + " (default " + fallback + ")");
}

// Registers one list's entries of the command line (kCli) on `app`.
struct CliAdder {
  CLI::App& app;
  Registered& registered;

  template <typename T>
  void operator()(T& value, const OptionDoc& d);
  template <typename E, std::size_t N>
  void choice(E& value, const Choice<E> (&table)[N], const OptionDoc& d) {
    if (!(d.places & kCli)) return;
    keep(d, add_choice(app, std::string(d.flag), value, table, std::string(d.help)),
         [&value, &table] { return std::string(name_of(table, value)); });
  }
  void reference(ReferenceOption r, const OptionDoc& d);

  void keep(const OptionDoc& d, CLI::Option* option, std::function<std::string()> value);
};

template <typename T>
void CliAdder::operator()(T& value, const OptionDoc& d) {
  if (!(d.places & kCli)) return;
  CLI::Option* option = nullptr;
  if constexpr (std::is_same_v<T, bool>) {
    option = app.add_flag(std::string(d.flag), value, std::string(d.help));
    keep(d, option, [&value] { return std::string(value ? "true" : "false"); });
    return;
  } else {
    option = app.add_option(std::string(d.flag), value, std::string(d.help));
  }
  if (!d.env.empty()) option->envname(std::string(d.env));
  if (d.min > 0) option->check(at_least(d.min));
  if constexpr (std::is_same_v<T, std::string>) {
    if (d.env.empty() && !value.empty()) option->capture_default_str();
    keep(d, option, [&value] { return value; });
  } else if constexpr (std::is_same_v<T, std::optional<int>>) {
    keep(d, option, [&value] { return value ? std::to_string(*value) : std::string(); });
  } else {
    option->capture_default_str();
    keep(d, option, [&value] { return std::to_string(value); });
  }
}

template <typename Visit, typename Options>
void Registered::add(CLI::App& app, Visit visit, Options& options) {
  CliAdder adder{app, *this};
  visit(adder, options);
}

// Registers every option of a subcommand's list (tasks/option_list.hpp).
template <typename Options>
void add_task_options(CLI::App& app, Registered& registered, Options& options) {
  registered.add(app, [](CliAdder& a, Options& o) { visit_options(a, o); }, options);
}

// What to try after a command-line error: "did you mean" for a misspelt option or subcommand, the
// subcommand first when options came before it, -i FILE for stray arguments, --help otherwise.
// Starts with "; " or is empty.
std::string usage_hint(const CLI::App& app, const CLI::ParseError& e, const std::vector<std::string>& args);

// After parsing: a positional FILE becomes the input (given twice is an error).
void settle_input(CommonOptions& o);

// The common lists on `app` (input, engine and flow options; run options when `run`), and the
// positional FILE.
void add_record_options(CLI::App& app, Registered& registered, CommonOptions& o, bool run);

}  // namespace pairrm::cli
