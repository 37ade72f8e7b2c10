// Declaring options once: each with its help, and its default printed from the option struct it
// writes to (commands.hpp holds every default). Enum options take their names and help from the
// table next to the enum (pairrm/choices.hpp).
#pragma once

#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace pairrm::cli {

template <typename E, std::size_t N>
CLI::Option* add_choice(CLI::App& app, const std::string& flag, E& target, const Choice<E> (&table)[N],
                        const std::string& help) {
  std::map<std::string, E> names;
  std::string list, details;
  for (const auto& c : table) {
    names.emplace(std::string(c.name), c.value);
    list += (list.empty() ? "" : "|") + std::string(c.name);
    if (!c.help.empty()) details += (details.empty() ? "" : "; ") + std::string(c.name) + ": " + std::string(c.help);
  }
  return app.add_option(flag, target, help + (details.empty() ? "" : " (" + details + ")"))
      ->transform(CLI::CheckedTransformer(names))
      ->default_str(std::string(name_of(table, target)))
      ->option_text(list + " (default " + std::string(name_of(table, target)) + ")");
}

// -m, -i, -o, limits, --on-error: every subcommand that reads records.
void add_input_options(CLI::App& app, CommonOptions& o);
// Device, dtype, threads, batching, window, progress: every subcommand that runs the model.
void add_engine_options(CLI::App& app, CommonOptions& o);
// --resume, --shard (and --summary unless the subcommand has its own): long batch runs.
void add_run_options(CLI::App& app, CommonOptions& o, bool summary);
// After parsing: the subcommand's name and every option that changes its output, with its value
// (given, or the default), for the run manifest. Options that only change speed, where output
// goes, or what is printed on stderr are left out.
void record_invocation(const CLI::App& app, CommonOptions& o);

}  // namespace pairrm::cli
