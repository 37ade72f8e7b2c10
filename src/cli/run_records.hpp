// What the record subcommands share: input and output streams, the model's layout with run-time
// limits, and running the pipeline with engines, a progress line and a closing summary.
#pragma once

#include <fstream>
#include <functional>
#include <iostream>
#include <string>

#include "commands.hpp"

namespace pairrm::cli {

// Input and output streams from "-" or a path.
struct Streams {
  std::ifstream file_in;
  std::ofstream file_out;
  std::istream* in = &std::cin;
  std::ostream* out = &std::cout;
  Streams(const std::string& input, const std::string& output);
};

Layout make_layout(const CommonOptions& common, const ModelInfo& info);

// Runs a record pipeline; `make_handler` gets the model's metadata (its template) first. With
// override_in, records come from that stream instead of --input. Returns the exit code.
int run_records(const CommonOptions& common, const std::function<RecordHandler&(const ModelInfo&)>& make_handler,
                std::istream* override_in = nullptr);

}  // namespace pairrm::cli
