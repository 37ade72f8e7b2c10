#include "pairrm/runtime/device_workers.hpp"

#include <chrono>

#include "pairrm/error.hpp"

namespace pairrm {

namespace {

// The failure as the caller sees it: the device named, the kind kept (OutOfMemory stays one).
std::exception_ptr named(const Scorer& scorer) {
  const std::string device = scorer.name();
  try {
    throw;
  } catch (const OutOfMemory& e) {
    return std::make_exception_ptr(OutOfMemory(device + ": " + e.what()));
  } catch (const Error& e) {
    return std::make_exception_ptr(Error(device + ": " + e.what()));
  } catch (...) {
    return std::current_exception();  // not ours: a bug, reported as one
  }
}

// Rows [begin, end) of `work` scored on `scorer`, halving on out-of-memory; the stats add up.
void score_rows(Scorer& scorer, WorkSource& source, Work& work, std::size_t begin, std::size_t end, BatchDone& done) {
  Batch batch = work.build(begin, end);
  std::vector<float> logits;
  const auto started = std::chrono::steady_clock::now();
  try {
    logits = scorer.score(batch);
  } catch (const OutOfMemory&) {
    if (end - begin == 1) throw;
    source.lower_budget();
    batch = {};  // free the failed batch before retrying
    const std::size_t mid = begin + (end - begin) / 2;
    score_rows(scorer, source, work, begin, mid, done);
    score_rows(scorer, source, work, mid, end, done);
    return;
  }
  if (logits.size() != end - begin) throw Error("the model returned a wrong number of logits (this is a bug)");
  work.set(begin, logits);
  done.rows += end - begin;
  done.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  done.padded_tokens += static_cast<std::size_t>(batch.rows * batch.length);
  for (const int64_t m : batch.mask) done.tokens += static_cast<std::size_t>(m);
}

}  // namespace

DeviceWorkers::DeviceWorkers(std::vector<Scorer*> scorers, WorkSource& source)
    : scorers_(std::move(scorers)), source_(source) {
  if (scorers_.empty()) throw Error("no scorer given to the device workers (this is a bug)");
  for (std::size_t i = 1; i < scorers_.size(); ++i) threads_.emplace_back([this, i] { work(*scorers_[i]); });
}

DeviceWorkers::~DeviceWorkers() {
  for (auto& t : threads_) t.join();
}

void DeviceWorkers::serve() { work(*scorers_.front()); }

void DeviceWorkers::work(Scorer& scorer) {
  while (auto item = source_.take()) {
    BatchDone done;
    std::exception_ptr failure;
    try {
      score_rows(scorer, source_, *item, 0, item->rows(), done);
    } catch (...) {
      failure = named(scorer);
    }
    if (failure) {
      source_.failed(std::move(item), failure);
    } else {
      source_.done(std::move(item), done);
    }
  }
}

}  // namespace pairrm
