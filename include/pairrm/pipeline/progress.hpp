// A run's running totals (Summary), updated by the driver (records) and the device workers
// (batches), and reported to whoever watches (the CLI's progress line, the server's metrics).
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>

namespace pairrm {

struct Summary {
  std::size_t records = 0, errors = 0, pairs = 0, batches = 0;
  std::size_t tokens = 0, padded_tokens = 0;  // real ids vs rows x length over all batches
  double busy_seconds = 0;                     // the devices' time on batches, summed
  std::size_t written = 0, bytes_written = 0;  // output lines so far, and their input lines' bytes
  std::size_t written_errors = 0;              // error records among the lines written
  std::size_t pairs_written = 0;               // the pairs scored for the lines written
  int stopped_by = 0;  // the stop value when a stop ended the run before the input's end, else 0
};

class Progress {
 public:
  // `report` gets a snapshot after each change, one call at a time, on the thread that made it.
  explicit Progress(std::function<void(const Summary&)> report) : report_(std::move(report)) {}
  template <typename Update>
  void update(Update&& f) {
    std::lock_guard<std::mutex> lock(mu_);
    f(summary_);
    if (report_) report_(summary_);
  }
  Summary get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return summary_;
  }

 private:
  mutable std::mutex mu_;
  Summary summary_;
  std::function<void(const Summary&)> report_;
};

}  // namespace pairrm
