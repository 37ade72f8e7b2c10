// A stand-in for libpairrm_engine.so whose speed the caller sets: the binary loads it through
// PAIRRM_ENGINE_LIBRARY, so the real CLI and server run on "devices" that sleep instead of
// computing. Benchmarks and tests use it to measure what a GPU run depends on (device busy time,
// head-of-line latency, what a stop keeps) on a machine without one, and to make a device fail.
//
// Configured by PAIRRM_FAKE_ENGINE, comma-separated key=value pairs (all optional):
//   batch_ms=F      milliseconds a batch costs (default 20)
//   token_us=F      plus microseconds per padded token (rows x length; default 0)
//   slow=DEV:F      DEV's batches cost F times as much (repeatable: slow=cuda:1:3)
//   fail=DEV:K      DEV throws an Error on its K-th batch (1-based), halfway through it
//   oom_rows=N      any batch of more than N rows is out of memory (the pipeline splits it)
//   stats=PATH      one JSON line per batch appended to PATH: device, start, end (CLOCK_MONOTONIC
//                   seconds, as Python's time.monotonic()), rows, length
// The logit of a row depends on its two candidates' ids alone (a hash), never on the batch, so
// output is the same bytes whatever the batching; logit(a, b) = -logit(b, a).
#include <time.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "pairrm/error.hpp"
#include "pairrm/runtime/engine.hpp"

namespace {

struct Config {
  double batch_ms = 20, token_us = 0;
  std::map<std::string, double> slow;
  std::map<std::string, long> fail;
  long oom_rows = 0;
  std::string stats;
};

Config read_config() {
  Config c;
  const char* env = std::getenv("PAIRRM_FAKE_ENGINE");
  std::stringstream in(env ? env : "");
  for (std::string item; std::getline(in, item, ',');) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    const auto colon = value.rfind(':');  // DEV:F, where DEV may hold a colon itself (cuda:1)
    if (key == "batch_ms") c.batch_ms = std::stod(value);
    if (key == "token_us") c.token_us = std::stod(value);
    if (key == "oom_rows") c.oom_rows = std::stol(value);
    if (key == "stats") c.stats = value;
    if (key == "slow" && colon != std::string::npos) c.slow[value.substr(0, colon)] = std::stod(value.substr(colon + 1));
    if (key == "fail" && colon != std::string::npos) c.fail[value.substr(0, colon)] = std::stol(value.substr(colon + 1));
  }
  return c;
}

double monotonic() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// A value in [-1, 1] from a run of ids (FNV-1a).
double segment_value(const int64_t* ids, int64_t n) {
  std::uint64_t h = 1469598103934665603ull;
  for (int64_t k = 0; k < n; ++k) {
    h ^= static_cast<std::uint64_t>(ids[k]);
    h *= 1099511628211ull;
  }
  return static_cast<double>(h % 20001) / 10000.0 - 1.0;
}

class FakeEngine : public pairrm::Engine {
 public:
  FakeEngine(Config config, std::string device) : config_(std::move(config)), device_(std::move(device)) {
    if (device_ == "auto") device_ = "cpu";
  }

  std::vector<float> score(const pairrm::Batch& b) override {
    ++batches_;
    if (config_.oom_rows > 0 && b.rows > config_.oom_rows) {
      throw pairrm::OutOfMemory("fake engine: more than " + std::to_string(config_.oom_rows) + " rows");
    }
    const double start = monotonic();
    double ms = config_.batch_ms + config_.token_us * static_cast<double>(b.rows * b.length) / 1000.0;
    if (auto it = config_.slow.find(device_); it != config_.slow.end()) ms *= it->second;
    const auto fail = config_.fail.find(device_);
    if (fail != config_.fail.end() && batches_ == fail->second) {
      sleep_ms(ms / 2);
      throw pairrm::Error("fake engine: injected failure on batch " + std::to_string(batches_));
    }
    std::vector<float> out;
    for (int64_t r = 0; r < b.rows; ++r) {
      const int64_t* ids = &b.ids[r * b.length];
      const int64_t* mask = &b.mask[r * b.length];
      const int64_t* m = &b.markers[r * 3];
      int64_t used = 0;
      for (int64_t k = 0; k < b.length; ++k) used += mask[k];
      out.push_back(static_cast<float>(segment_value(ids + m[1], m[2] - m[1]) - segment_value(ids + m[2], used - m[2])));
    }
    sleep_ms(ms);
    if (!config_.stats.empty()) record(start, monotonic(), b);
    return out;
  }

  void warm_up(int64_t, int64_t) override {}
  bool on_gpu() const override { return device_.rfind("cuda", 0) == 0; }
  std::string device() const override { return device_; }
  std::string dtype() const override { return "fp32"; }

 private:
  static void sleep_ms(double ms) { std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(ms)); }

  void record(double start, double end, const pairrm::Batch& b) const {
    static std::mutex mu;  // engines of one process append to one file
    std::lock_guard<std::mutex> lock(mu);
    if (FILE* f = std::fopen(config_.stats.c_str(), "a")) {
      std::fprintf(f, "{\"device\":\"%s\",\"start\":%.6f,\"end\":%.6f,\"rows\":%lld,\"length\":%lld}\n", device_.c_str(),
                   start, end, static_cast<long long>(b.rows), static_cast<long long>(b.length));
      std::fclose(f);
    }
  }

  Config config_;
  std::string device_;
  long batches_ = 0;
};

}  // namespace

extern "C" pairrm::Engine* pairrm_create_engine(const pairrm::ModelFile*, const pairrm::EngineOptions* options,
                                               std::string* error, bool*) {
  try {
    return new FakeEngine(read_config(), options->device);
  } catch (const std::exception& e) {
    *error = std::string("fake engine: ") + e.what();
    return nullptr;
  }
}
