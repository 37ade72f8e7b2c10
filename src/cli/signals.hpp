// SIGTERM and SIGINT (a scheduler's preemption, Ctrl-C): the first asks the run to stop cleanly
// (finished lines written, manifest updated, exit 128 + signal); a second exits at once.
#pragma once

#include <atomic>

namespace pairrm::cli {

// Installs the handlers (once) and returns the flag they set: 0, or the signal number.
const std::atomic<int>& install_stop_signals();

}  // namespace pairrm::cli
