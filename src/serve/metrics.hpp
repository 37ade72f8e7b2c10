// GET /metrics: counters and histograms in Prometheus' text exposition format (version 0.0.4).
// Written here by hand: Debian has no C++ Prometheus client, and the format is a few lines of text.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "pairrm/pipeline/pipeline.hpp"

namespace pairrm::serve {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}
  void observe(double v);
  // The _bucket, _sum and _count lines of `name`, with `labels` ("" or `endpoint="/v1/rank"`).
  void write(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::size_t> counts_;  // per bucket, not cumulative; the last is +Inf
  double sum_ = 0;
  std::size_t count_ = 0;
};

// Gauges read at scrape time.
struct Gauges {
  std::size_t requests_in_flight = 0, records_queued = 0, inflight_bytes = 0;
  bool ready = false;
};

class Metrics {
 public:
  Metrics();
  // A request answered (499: its client left first).
  void request(const std::string& endpoint, int status, double seconds);
  // A record taken by the scheduler after waiting `seconds` in the queue.
  void queued(double seconds);
  // The pipeline's running totals after a batch (Summary from run_owned_records' progress).
  void progress(const Summary& s);
  std::string text(const Gauges& gauges) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, std::size_t> requests_;
  std::map<std::string, Histogram> latency_;
  Histogram queue_;
  Histogram batch_pairs_, batch_tokens_;
  Summary last_;
};

}  // namespace pairrm::serve
