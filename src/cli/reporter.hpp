// What a record run tells a person on stderr: progress (on a terminal: one line redrawn in place;
// with --progress always into a file or pipe: a plain line every few seconds, for cluster logs) and
// a closing summary; and the run's --summary FILE as JSON.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "commands.hpp"
#include "pairrm/pipeline/pipeline.hpp"

namespace pairrm::cli {

class Reporter {
 public:
  // input_bytes: the input's size when it is a regular file (for the ETA), else 0.
  Reporter(const CommonOptions& o, std::size_t input_bytes);
  void update(const Summary& s);
  void finish(const Summary& s, const std::string& where);
  double seconds() const;

 private:
  using Clock = std::chrono::steady_clock;
  std::string line(const Summary& s) const;

  bool live_, terminal_, quiet_;
  std::size_t input_bytes_;
  Clock::time_point start_ = Clock::now(), last_{};
};

// Notes from loading the engines ("lowered --max-batch-tokens ..."): "pairrm: note: ..." on
// stderr, or nothing when quiet.
std::function<void(const std::string&)> engine_notes(bool quiet);

// --summary FILE for rank and compare: records, errors, pairs, speed, devices, the model's hash,
// the options, and whether the run completed.
void write_run_summary(const CommonOptions& common, const Summary& s, double seconds, const std::string& devices,
                       const std::string& model_sha256);

}  // namespace pairrm::cli
