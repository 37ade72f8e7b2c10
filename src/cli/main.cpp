// pairrm: rerank LLM generations with PairRM. Flags -> option structs -> a subcommand; errors are
// printed here and nowhere else.
#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "pairrm/error.hpp"
#include "subcommands.hpp"

namespace {

// The model allocates attention-sized tensors (often hundreds of MB) for every layer of every batch.
// glibc serves those with fresh mmaps and pays page faults on each; a main arena that never unmaps or
// trims reuses the same pages instead (the first device's worker is the main thread). Measured on
// `rank` of 12 pairs, small shape, 2 threads: 18.2-22.6 s wall without, 13.6-15.5 s with
// (BENCHMARKS.md), at the cost of holding the peak working set until exit, which a batch tool can.
// Set before anything is allocated; MALLOC_* environment variables still override.
void tune_malloc() {
  if (!std::getenv("MALLOC_MMAP_MAX_")) mallopt(M_MMAP_MAX, 0);
  if (!std::getenv("MALLOC_TRIM_THRESHOLD_")) mallopt(M_TRIM_THRESHOLD, 64L << 30);
}

}  // namespace

int main(int argc, char** argv) {
  tune_malloc();
  // `pairrm rank ... | head -1`: a closed stdout ends the process quietly, whatever a library set.
  std::signal(SIGPIPE, SIG_DFL);
  // stdout carries all of the output: unsynchronized with C stdio, std::cout buffers like a file.
  std::ios::sync_with_stdio(false);
  CLI::App app{"pairrm: rank LLM generations with PairRM / Better-PairRM.\n"
               "stdout carries JSONL only; messages go to stderr. Exit codes: 0 ok, 1 usage or model error,\n"
               "2 some input lines were errors."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "pairrm " PAIRRM_VERSION);
  const auto subcommands = pairrm::cli::add_subcommands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  try {
    for (const auto& s : subcommands) {
      if (s.app->parsed()) return s.run();
    }
  } catch (const pairrm::Error& e) {
    std::fprintf(stderr, "pairrm: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pairrm: internal error: %s (this is a bug; please report it)\n", e.what());
    return 1;
  }
  return 1;
}
