#include "pairrm/runtime/device_pool.hpp"

#include <algorithm>
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
}  // namespace

DevicePool::DevicePool(std::vector<Scorer*> scorers, std::size_t max_tokens, std::function<void(const BatchDone&)> on_batch)
    : scorers_(std::move(scorers)), on_batch_(std::move(on_batch)), max_tokens_(max_tokens) {
  if (scorers_.empty()) throw Error("no scorer given to the device pool (this is a bug)");
  for (std::size_t i = 1; i < scorers_.size(); ++i) threads_.emplace_back([this, i] { work(*scorers_[i]); });
}

DevicePool::~DevicePool() {
  close();
  for (auto& t : threads_) t.join();
}

void DevicePool::settle_locked(std::unique_lock<std::mutex>& lock) {
  in_flight_ -= queue_.size();
  queue_.clear();
  changed_.notify_all();
  changed_.wait(lock, [&] { return in_flight_ == 0; });
  if (failure_) std::rethrow_exception(failure_);
}

void DevicePool::submit(std::shared_ptr<WorkSet> set, std::size_t begin, std::size_t end, Batch batch) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [&] { return queue_.size() < 2 * scorers_.size() || failure_ || closed_; });
  if (failure_) settle_locked(lock);
  if (closed_) throw Error("a batch was submitted to a closed device pool (this is a bug)");
  queue_.push_back({std::move(set), begin, end, std::move(batch)});
  ++in_flight_;
  changed_.notify_all();
}

bool DevicePool::wait(const StopSignal* stop) {
  std::unique_lock<std::mutex> lock(mu_);
  const auto done = [&] { return in_flight_ == 0 || failure_; };
  // A signal handler cannot notify a condition variable: look at the stop every 50 ms.
  while (!changed_.wait_for(lock, std::chrono::milliseconds(50), done)) {
    if (stop && stop->value()) {
      settle_locked(lock);
      return false;
    }
  }
  if (failure_) settle_locked(lock);
  return true;
}

std::size_t DevicePool::max_tokens() const {
  std::lock_guard<std::mutex> lock(mu_);
  return max_tokens_;
}

void DevicePool::serve() { work(*scorers_.front()); }

void DevicePool::close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  changed_.notify_all();
}

void DevicePool::work(Scorer& scorer) {
  while (true) {
    Item item;
    {
      std::unique_lock<std::mutex> lock(mu_);
      changed_.wait(lock, [&] { return !queue_.empty() || closed_; });
      if (queue_.empty()) return;  // closed and drained
      item = std::move(queue_.front());
      queue_.pop_front();
      changed_.notify_all();  // a queue slot is free
      if (failure_) {  // after a failure, queued work is dropped
        --in_flight_;
        continue;
      }
    }
    try {
      score(scorer, item);
    } catch (...) {
      auto failure = named(scorer);
      std::lock_guard<std::mutex> lock(mu_);
      if (!failure_) failure_ = failure;
    }
    item = {};  // the work set is let go before the batch counts as done
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;
    changed_.notify_all();
  }
}

void DevicePool::score(Scorer& scorer, Item& item) {
  std::vector<float> logits;
  const auto started = std::chrono::steady_clock::now();
  try {
    logits = scorer.score(item.batch);
  } catch (const OutOfMemory&) {
    if (item.end - item.begin == 1) throw;
    {
      std::lock_guard<std::mutex> lock(mu_);
      max_tokens_ = std::max<std::size_t>(max_tokens_ / 2, 1);
    }
    const std::size_t mid = item.begin + (item.end - item.begin) / 2;
    Item first{item.set, item.begin, mid, item.set->build(item.begin, mid)};
    Item second{item.set, mid, item.end, item.set->build(mid, item.end)};
    item.batch = {};  // free the failed batch before retrying
    score(scorer, first);
    score(scorer, second);
    return;
  }
  if (logits.size() != item.end - item.begin) throw Error("the model returned a wrong number of logits (this is a bug)");
  item.set->deliver(item.begin, item.end, logits);
  BatchDone done;
  done.rows = item.end - item.begin;
  done.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  done.padded_tokens = static_cast<std::size_t>(item.batch.rows * item.batch.length);
  for (const int64_t m : item.batch.mask) done.tokens += static_cast<std::size_t>(m);
  std::lock_guard<std::mutex> lock(mu_);
  if (on_batch_) on_batch_(done);
}

}  // namespace pairrm
