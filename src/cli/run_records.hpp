// What the record subcommands share: the model's layout with run-time limits, and running the
// pipeline with engines, an output (and its manifest), a progress line and a closing summary.
#pragma once

#include <functional>
#include <istream>
#include <string>

#include "commands.hpp"

namespace pairrm::cli {

Layout make_layout(const CommonOptions& common, const ModelInfo& info);

// The subcommand's handler for a model, and its options as JSON (what --server sends).
struct MadeHandler {
  RecordHandler& handler;
  std::string command;  // rank | compare | eval
  std::string options_json;
};

// The output's lines when the run ended, an earlier run's (--resume) included.
struct OutputTotals {
  std::size_t lines = 0, errors = 0;
};

// Runs a record pipeline (or, with --server, a remote run: run_remote.hpp); `make_handler` gets the
// model's metadata (its template) first. With override_in, records come from that stream instead of
// --input. Returns the exit code; fills `totals` when given.
int run_records(const CommonOptions& common, const std::function<MadeHandler(const ModelInfo&)>& make_handler,
                std::istream* override_in = nullptr, OutputTotals* totals = nullptr);

}  // namespace pairrm::cli
