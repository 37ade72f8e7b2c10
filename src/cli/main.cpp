// pairrm: rerank LLM generations with PairRM. Flags -> option structs -> a subcommand; errors are
// printed here and nowhere else.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "pairrm/error.hpp"
#include "options.hpp"
#include "signals.hpp"
#include "subcommands.hpp"

#ifdef PAIRRM_JEMALLOC
// The model allocates attention-sized tensors (often hundreds of MB) for every layer of every batch.
// Returning them to the system and faulting them in again costs a third of the run; glibc told to
// keep its pages (no mmap, no trim) is fast but its heap creeps over a long run (fragmentation).
// jemalloc linked into the binary and told never to purge is both: measured with `rank` on the tiny
// model, 2 candidates a line, peak RSS 799 MB at 2,000 lines and 807 MB at 20,000 (glibc tuned: 816
// and 999 MB, and 1,155 MB at 40,000) at the same speed (19.8 s vs 19.9 s); BENCHMARKS.md.
extern "C" {
// NOLINTNEXTLINE: jemalloc reads its options from this symbol at start.
const char* malloc_conf = "dirty_decay_ms:-1,muzzy_decay_ms:-1";
}
#endif

int main(int argc, char** argv) {
  // libtorch's OpenMP threads spin for a while after each parallel region (libgomp's default
  // ACTIVE wait). Alone on a machine that is harmless; two pairrm processes on one node (shards, a
  // server next to a batch job, the test suite) steal each other's cores with it: two concurrent
  // runs of bench/neighbours.py took 22.6 s spinning and 8.7 s passive; a lone run pays 1.09x on
  // the tiny model, nothing measurable on the small shape (BENCHMARKS.md "Neighbours"). Set before
  // any thread starts and before libgomp is loaded (with the engine); a user's value is kept.
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  // `pairrm rank ... | head -1`: a closed stdout ends the process quietly, whatever a library set.
  std::signal(SIGPIPE, SIG_DFL);
  // stdout carries all of the output: unsynchronized with C stdio, std::cout buffers like a file.
  // Untied from std::cin: the reading thread must not flush std::cout, which the driving thread
  // writes (a tied stream flushes on every read: a data race that lost output lines).
  std::ios::sync_with_stdio(false);
  std::cin.tie(nullptr);
  CLI::App app{"pairrm: rank LLM generations with PairRM / Better-PairRM.\n"
               "stdout carries JSONL only; messages go to stderr. Exit codes: 0 ok, 1 usage or model error,\n"
               "2 some input lines were errors."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "pairrm " PAIRRM_VERSION);
  const auto subcommands = pairrm::cli::add_subcommands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "pairrm: error: %s%s\n", e.what(), pairrm::cli::usage_hint(app, e, std::vector<std::string>(argv + 1, argv + argc)).c_str());
    return 1;
  }
  try {
    for (const auto& s : subcommands) {
      if (s.app->parsed()) return s.run();
    }
  } catch (const pairrm::Error& e) {
    // A stop (signals.hpp) that interrupted an export or a model load ends with 128 + signal.
    if (const int sig = pairrm::cli::requested_stop()) {
      std::fprintf(stderr, "pairrm: stopped by signal %d (%s)\n", sig, e.what());
      return 128 + sig;
    }
    std::fprintf(stderr, "pairrm: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pairrm: internal error: %s (this is a bug; please report it)\n", e.what());
    return 1;
  }
  return 1;
}
