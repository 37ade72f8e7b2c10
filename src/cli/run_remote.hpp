// `rank|compare|eval --server URL`: the record run with a running server in place of the model.
// Lines are read, checked and turned into error records here exactly as in a local run (the same
// line-to-task step), and the good ones are sent in batches to the server, which answers each with
// the output line the subcommand writes locally. Output, resume, shards and stops are the CLI's own.
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "commands.hpp"
#include "pairrm/io/jsonl.hpp"
#include "pairrm/pipeline/pipeline.hpp"
#include "pairrm/serve/remote.hpp"

namespace pairrm::cli {

struct RemoteRun {
  serve::RemoteServer& server;
  std::string command;       // rank | compare | eval
  std::string options_json;  // the handler's options (tasks/options_json.hpp)
  std::size_t max_body_bytes;  // the server's
};

// Like run_pipeline: one output line per input line, in order, flushed as they are answered (a
// batch is sent when it is full, and whenever the input makes the reader wait).
Summary run_remote(JsonlReader& in, OrderedWriter& out, RecordHandler& handler, const RemoteRun& remote,
                   const PipelineOptions& options, const StopSignal* stop,
                   const std::function<void(const Summary&)>& progress);

}  // namespace pairrm::cli
