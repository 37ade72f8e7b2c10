// SIGTERM and SIGINT (a scheduler's preemption, Ctrl-C): the first asks the run to stop cleanly
// (reading stops at once, even on a silent pipe; finished lines written, manifest updated, exit
// 128 + signal); a second exits at once.
#pragma once

#include "pairrm/io/stop_signal.hpp"

namespace pairrm::cli {

// Installs the handlers (once) and returns the stop they request. The record subcommands install
// them before any model work; the others keep the default (a signal ends them at once).
const StopSignal& install_stop_signals();
// The signal that asked for a stop, or 0 (also when the handlers are not installed).
int requested_stop();

}  // namespace pairrm::cli
