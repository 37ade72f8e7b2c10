#include "pairrm/io/byte_input.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pairrm/error.hpp"

namespace pairrm {

namespace {
std::string reason() { return std::strerror(errno); }
}  // namespace

FdInput::FdInput(const std::string& path, const StopSignal* stop, std::size_t offset)
    : name_(path == "-" ? "stdin" : path), stop_(stop) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
  } else {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error(path + ": cannot open the input file (" + reason() + ")");
    owned_ = true;
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd_);
      throw Error(path + ": a directory, not an input file; give a JSONL file (or - for stdin)");
    }
    if (offset > 0 && ::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) {
      const std::string why = reason();
      ::close(fd_);
      throw Error(path + ": cannot seek to byte " + std::to_string(offset) + " (" + why + ")");
    }
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    if (owned_) ::close(fd_);
    throw Error("cannot create a pipe for reading " + name_ + " (" + reason() + "); too many open files?");
  }
  cancel_read_ = fds[0];
  cancel_write_ = fds[1];
}

FdInput::~FdInput() {
  if (owned_) ::close(fd_);
  ::close(cancel_read_);
  ::close(cancel_write_);
}

void FdInput::cancel() noexcept {
  cancelled_ = true;
  const char byte = 1;
  [[maybe_unused]] const auto n = ::write(cancel_write_, &byte, 1);
}

ByteInput::Status FdInput::read(char* buffer, std::size_t size, std::size_t& n) {
  n = 0;
  bool waiting = false;
  struct Done {  // whatever way the read ends, a wait that began is reported over
    bool& waiting;
    const std::function<void(bool)>& hook;
    ~Done() {
      if (waiting && hook) hook(false);
    }
  } done{waiting, waiting_};
  while (true) {
    if (cancelled_ || (stop_ && stop_->value())) return Status::Stopped;
    pollfd fds[3] = {{fd_, POLLIN, 0}, {cancel_read_, POLLIN, 0}, {stop_ ? stop_->fd() : -1, POLLIN, 0}};
    // First a look without waiting; only when nothing is there does the read wait (and say so).
    int ready = ::poll(fds, 3, 0);
    if (ready == 0) {
      if (!waiting && waiting_) waiting_(true);
      waiting = true;
      ready = ::poll(fds, 3, -1);
    }
    if (ready < 0) {
      if (errno == EINTR) continue;  // a signal: the loop's first line decides
      throw Error(name_ + ": cannot wait for input (" + reason() + ")");
    }
    if (fds[1].revents || fds[2].revents) return Status::Stopped;
    if (fds[0].revents == 0) continue;
    const ssize_t got = ::read(fd_, buffer, size);
    if (got > 0) {
      n = static_cast<std::size_t>(got);
      return Status::Data;
    }
    if (got == 0) return Status::End;
    if (errno == EINTR || errno == EAGAIN) continue;
    throw Error(name_ + ": cannot read the input (" + reason() + ")");
  }
}

ByteInput::Status StreamInput::read(char* buffer, std::size_t size, std::size_t& n) {
  n = 0;
  if (cancelled_) return Status::Stopped;
  in_.read(buffer, static_cast<std::streamsize>(size));
  n = static_cast<std::size_t>(in_.gcount());
  if (n > 0) return Status::Data;
  if (in_.bad()) throw Error("cannot read the input stream");
  return Status::End;
}

}  // namespace pairrm
