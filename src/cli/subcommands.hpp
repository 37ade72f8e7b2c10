// The subcommands, each declared by one function: its options (into structs it owns) and what
// running it means.
#pragma once

#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace pairrm::cli {

struct Subcommand {
  CLI::App* app;
  std::function<int()> run;  // after parsing; returns the exit code
};

std::vector<Subcommand> add_subcommands(CLI::App& app);

}  // namespace pairrm::cli
