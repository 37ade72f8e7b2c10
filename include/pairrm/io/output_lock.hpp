// One writer per output file: a run that writes -o FILE holds an exclusive lock (flock) on
// FILE.pairrm-run.lock for its whole life, so a second run on the same output (a requeued job whose
// old copy still runs, a double launch) is refused before it loads a model, with the other run's
// pid, instead of both appending. The kernel drops the lock with the process, so the lock of a
// killed run never blocks; the file itself is removed at the holder's normal end.
#pragma once

#include <string>

namespace pairrm {

std::string lock_path(const std::string& output);

class OutputLock {
 public:
  // Throws Error naming the output, the other run's pid and what to do when another run holds it,
  // or naming the lock file when it cannot be made.
  explicit OutputLock(const std::string& output);
  ~OutputLock();  // removes the lock file, then lets the lock go
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace pairrm
