// Declaring options once: each with its help, and its default printed from the option struct it
// writes to (commands.hpp holds every default). Enum options take their names and help from the
// table next to the enum (pairrm/choices.hpp).
#pragma once

#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace pairrm::cli {

// An enum option that takes the names of `table` and nothing else (not the enum's numbers): its
// results, and so the run manifest and --summary, hold the name.
template <typename E, std::size_t N>
CLI::Option* add_choice(CLI::App& app, const std::string& flag, E& target, const Choice<E> (&table)[N],
                        const std::string& help) {
  std::string list, words, details;
  for (const auto& c : table) {
    list += (list.empty() ? "" : "|") + std::string(c.name);
    words += (words.empty() ? "" : ", ") + std::string(c.name);
    if (!c.help.empty()) details += (details.empty() ? "" : "; ") + std::string(c.name) + ": " + std::string(c.help);
  }
  const std::string fallback(name_of(table, target));
  auto check = CLI::Validator(
      [&table, words](std::string& value) -> std::string {
        for (const auto& c : table) {
          if (c.name == value) return "";
        }
        return "\"" + value + "\" is not one of " + words;
      },
      "", "choice");
  return app.add_option(flag)
      ->description(help + (details.empty() ? "" : " (" + details + ")"))
      ->type_size(1)
      ->check(check)
      ->each([&target, &table](const std::string& value) {
        for (const auto& c : table) {
          if (c.name == value) target = c.value;
        }
      })
      ->default_str(fallback)
      ->option_text(list + " (default " + fallback + ")");
}

// What to try after a command-line error: the subcommands when none (or an unknown one) was given,
// -i FILE for stray arguments, --help otherwise. Starts with "; " or is empty.
std::string usage_hint(const CLI::App& app, const CLI::ParseError& e);

// A whole number of at least 1, said so in words when it is not.
const CLI::Validator& at_least_one();

// -m, -i, -o, limits, --on-error: every subcommand that reads records.
void add_input_options(CLI::App& app, CommonOptions& o);
// After parsing: a positional FILE becomes the input (given twice is an error).
void settle_input(CommonOptions& o);

// Device, dtype, threads, batching, window, progress: every subcommand that runs the model.
void add_engine_options(CLI::App& app, CommonOptions& o);
// --resume, --shard (and --summary unless the subcommand has its own): long batch runs.
void add_run_options(CLI::App& app, CommonOptions& o, bool summary);
// After parsing: the subcommand's name and every option that changes its output, with its value
// (given, or the default), for the run manifest. Options that only change speed, where output
// goes, or what is printed on stderr are left out.
void record_invocation(const CLI::App& app, CommonOptions& o);

}  // namespace pairrm::cli
