// SIGTERM and SIGINT (a scheduler's preemption, Ctrl-C): the first asks the run to stop cleanly
// (reading stops at once, even on a silent pipe; finished lines written, manifest updated, exit
// 128 + signal); a second exits at once.
#pragma once

#include "pairrm/io/stop_signal.hpp"

namespace pairrm::cli {

// Installs the handlers (once) and returns the stop they request.
const StopSignal& install_stop_signals();

}  // namespace pairrm::cli
