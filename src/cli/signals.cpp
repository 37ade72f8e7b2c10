#include "signals.hpp"

#include <signal.h>
#include <unistd.h>

namespace pairrm::cli {

namespace {
StopSignal* g_stop = nullptr;

void on_signal(int sig) {
  if (g_stop->request(sig) != 0) _exit(128 + sig);  // the second signal: at once
}
}  // namespace

const StopSignal& install_stop_signals() {
  static StopSignal stop;
  static const bool installed = [] {
    g_stop = &stop;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;  // blocking reads wake through the stop's pipe, not through EINTR
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    return true;
  }();
  (void)installed;
  return stop;
}

int requested_stop() { return g_stop ? g_stop->value() : 0; }

}  // namespace pairrm::cli
