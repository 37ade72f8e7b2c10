// `pairrm serve`: the model loaded once and shared by every client, the pairs of all requests in
// flight batched together by the CLI's own pipeline (docs/serve.md). This layer sits beside cli/:
// the CLI parses the flags and loads the model; HTTP (cpp-httplib) lives in http_server.cpp alone.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pairrm/io/model_file.hpp"
#include "pairrm/io/stop_signal.hpp"
#include "pairrm/pipeline/pipeline.hpp"
#include "pairrm/runtime/engines.hpp"
#include "pairrm/tasks/rank.hpp"
#include "pairrm/text/layout.hpp"
#include "pairrm/text/text_encoder.hpp"
#include "pairrm/text/tokenizer.hpp"

namespace pairrm::serve {

// Every default of the server, once (the CLI's help prints them from here).
struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: one the system picks (the "listening on" line says which)
  std::size_t max_concurrent_requests = 512;
  std::size_t max_body_bytes = std::size_t{8} << 20;
  // Parsing and tokenizing take some 15 bytes of memory per body byte at their peak (simdjson's DOM).
  std::size_t max_inflight_bytes = std::size_t{64} << 20;
  std::string api_key;  // "" = no auth
  double shutdown_timeout = 30;  // seconds a drain waits for requests in flight
  std::size_t max_candidates = RankOptions{}.max_candidates;
  int keep_alive_seconds = 5;  // an idle kept-alive connection holds a thread this long
};

// The model as the server runs it, loaded by the CLI once the port is bound.
struct ServedModel {
  ModelFile file;
  std::unique_ptr<Layout> layout;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<TextEncoder> encoder;
  std::vector<Scorer*> scorers;
  std::string where;             // "cpu fp32"
  Engines engines;                // owns the scorers
  PipelineOptions pipeline;       // batch limits (after the GPU warm-up)
};

// Binds, loads the model (health says 503 meanwhile), prints "listening on http://HOST:PORT" on
// stderr once ready, and serves until a stop: then health turns 503, the port closes, requests in
// flight finish (up to shutdown_timeout) and it returns 0. Throws Error when the port cannot be
// bound or the model not loaded.
int run_server(const ServeOptions& options, const StopSignal& stop,
               const std::function<std::unique_ptr<ServedModel>()>& load);

}  // namespace pairrm::serve
