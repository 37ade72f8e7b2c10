#include "pairrm/io/stop_signal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "pairrm/error.hpp"

namespace pairrm {

StopSignal::StopSignal() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw Error(std::string("cannot create the stop pipe (") + std::strerror(errno) + "); too many open files?");
  }
  read_fd_ = fds[0];
  write_fd_ = fds[1];
}

StopSignal::~StopSignal() {
  ::close(read_fd_);
  ::close(write_fd_);
}

int StopSignal::request(int value) noexcept {
  int expected = 0;
  if (!value_.compare_exchange_strong(expected, value)) return expected;
  const int saved = errno;  // a signal handler must leave errno as it found it
  const char byte = 1;
  [[maybe_unused]] const auto n = ::write(write_fd_, &byte, 1);  // non-blocking; one byte is enough
  errno = saved;
  return 0;
}

}  // namespace pairrm
