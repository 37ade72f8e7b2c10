#include "signals.hpp"

#include <signal.h>
#include <unistd.h>

namespace pairrm::cli {

namespace {
std::atomic<int> g_stop{0};
static_assert(std::atomic<int>::is_always_lock_free, "the handler needs a lock-free atomic");

void on_signal(int sig) {
  if (g_stop.exchange(sig) != 0) _exit(128 + sig);  // the second signal: at once
}
}  // namespace

const std::atomic<int>& install_stop_signals() {
  static const bool installed = [] {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a read blocked on a pipe returns, so reading can stop
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    return true;
  }();
  (void)installed;
  return g_stop;
}

}  // namespace pairrm::cli
