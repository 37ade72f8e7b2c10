#include "metrics.hpp"

#include <fmt/format.h>

namespace pairrm::serve {

namespace {
const std::vector<double> kSeconds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
const std::vector<double> kPairs = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
const std::vector<double> kTokens = {256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072};

std::string labelled(const std::string& name, const std::string& labels, const std::string& extra = "") {
  std::string all = labels;
  if (!extra.empty()) all += (all.empty() ? "" : ",") + extra;
  return all.empty() ? name : name + "{" + all + "}";
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// A counter or gauge without labels: its header and its one sample.
template <typename Value>
void sample(std::string& out, const char* name, const char* type, const char* help, Value value) {
  header(out, name, type, help);
  out += fmt::format("{} {}\n", name, value);
}
}  // namespace

void Histogram::observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += v;
  ++count_;
}

void Histogram::write(std::string& out, const std::string& name, const std::string& labels) const {
  std::size_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += fmt::format("{} {}\n", labelled(name + "_bucket", labels, fmt::format("le=\"{}\"", bounds_[i])), cumulative);
  }
  out += fmt::format("{} {}\n", labelled(name + "_bucket", labels, "le=\"+Inf\""), count_);
  out += fmt::format("{} {}\n{} {}\n", labelled(name + "_sum", labels), sum_, labelled(name + "_count", labels), count_);
}

Metrics::Metrics() : queue_(kSeconds), batch_pairs_(kPairs), batch_tokens_(kTokens) {}

void Metrics::request(const std::string& endpoint, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{endpoint, status}];
  latency_.try_emplace(endpoint, kSeconds).first->second.observe(seconds);
}

void Metrics::queued(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.observe(seconds);
}

void Metrics::progress(const Summary& s) {
  std::lock_guard<std::mutex> lock(mu_);
  // A batch adds one to the batch count in a call of its own: the change in the totals is that batch.
  if (s.batches > last_.batches) {
    batch_pairs_.observe(static_cast<double>(s.pairs - last_.pairs));
    batch_tokens_.observe(static_cast<double>(s.padded_tokens - last_.padded_tokens));
  }
  last_ = s;
}

std::string Metrics::text(const Gauges& g) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  header(out, "pairrm_requests_total", "counter", "Requests answered, by endpoint and HTTP status (499: the client left).");
  for (const auto& [key, n] : requests_) {
    out += fmt::format("pairrm_requests_total{{endpoint=\"{}\",status=\"{}\"}} {}\n", key.first, key.second, n);
  }
  header(out, "pairrm_request_seconds", "histogram", "Time from a request's arrival to its reply.");
  for (const auto& [endpoint, h] : latency_) h.write(out, "pairrm_request_seconds", fmt::format("endpoint=\"{}\"", endpoint));
  header(out, "pairrm_queue_seconds", "histogram", "Time a record waited before the scheduler took it.");
  queue_.write(out, "pairrm_queue_seconds", "");
  header(out, "pairrm_batch_pairs", "histogram", "Pairs per batch run on a device.");
  batch_pairs_.write(out, "pairrm_batch_pairs", "");
  header(out, "pairrm_batch_tokens", "histogram", "Padded tokens (rows x length) per batch.");
  batch_tokens_.write(out, "pairrm_batch_tokens", "");
  sample(out, "pairrm_pairs_scored_total", "counter", "Ordered pairs the model scored (one forward row each).", last_.pairs);
  sample(out, "pairrm_tokens_total", "counter", "Real (unpadded) tokens in scored batches.", last_.tokens);
  sample(out, "pairrm_device_busy_seconds_total", "counter", "Time the devices spent on batches, summed over devices.", last_.busy_seconds);
  sample(out, "pairrm_requests_in_flight", "gauge", "Requests admitted and not yet answered.", g.requests_in_flight);
  sample(out, "pairrm_queue_depth", "gauge", "Records waiting for the scheduler.", g.records_queued);
  sample(out, "pairrm_inflight_bytes", "gauge", "Request body bytes admitted and not yet answered.", g.inflight_bytes);
  sample(out, "pairrm_ready", "gauge", "1 when the model is loaded and the server takes requests.", g.ready ? 1 : 0);
  return out;
}

}  // namespace pairrm::serve
