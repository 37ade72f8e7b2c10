#include "pairrm/io/output_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pairrm/error.hpp"

namespace pairrm {

std::string lock_path(const std::string& output) { return output + ".pairrm-run.lock"; }

namespace {
std::string holder_of(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string pid(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.empty() ? "unknown" : pid;
}
}  // namespace

OutputLock::OutputLock(const std::string& output) : path_(lock_path(output)) {
  // The holder removes the file at its end: a run that opened it just before may lock a file no
  // longer there, so the lock counts only if the path still names the locked file.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      throw Error(path_ + ": cannot create the output's lock file (" + std::strerror(errno) +
                  "); write the output to a directory where files can be created");
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      const std::string pid = err == EWOULDBLOCK ? holder_of(fd) : "";
      ::close(fd);
      if (err == EWOULDBLOCK) {
        throw Error(output + ": another pairrm run (pid " + pid + ") is writing it (it holds " + path_ +
                    "); wait for that run to end or stop it, or write the output elsewhere");
      }
      throw Error(path_ + ": cannot lock the output's lock file (" + std::strerror(err) +
                  "); write the output to a local file system");
    }
    struct stat held {}, named {};
    if (::fstat(fd, &held) == 0 && ::stat(path_.c_str(), &named) == 0 && held.st_dev == named.st_dev &&
        held.st_ino == named.st_ino) {
      const std::string pid = std::to_string(::getpid()) + "\n";
      if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        // The pid is only for the message another run prints; the lock holds without it.
      }
      fd_ = fd;
      return;
    }
    ::close(fd);  // removed or replaced meanwhile: try again
  }
  throw Error(path_ + ": the output's lock file keeps changing under this run; is another run starting and stopping?");
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());  // while still held: no one can take the file being removed
  ::close(fd_);
}

}  // namespace pairrm
