#include "pairrm/pipeline/scheduler.hpp"

#include <algorithm>

namespace pairrm {

Scheduler::Scheduler(const Layout& layout, BatchLimits limits, std::size_t horizon_batches, std::size_t devices,
                     std::function<void(const BatchDone&)> on_batch)
    : layout_(layout),
      horizon_batches_(horizon_batches),
      devices_(std::max<std::size_t>(devices, 1)),
      on_batch_(std::move(on_batch)),
      limits_(limits) {}

std::vector<PairJob> Scheduler::add(std::vector<PairJob> jobs) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!cutting_) return jobs;
    for (PairJob& j : jobs) {
      const std::size_t id = next_id_++;
      queue_.add({j.record->flow, j.record->order, padded_length(j.length), id});
      jobs_.emplace(id, std::move(j));
    }
  }
  work_ready_.notify_all();
  return {};
}

std::vector<PairJob> Scheduler::remove_flow(std::uint64_t flow) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<PairJob> out;
  for (const std::size_t id : queue_.remove_flow(flow)) {
    auto it = jobs_.find(id);
    out.push_back(std::move(it->second));
    jobs_.erase(it);
  }
  return out;
}

std::vector<PairJob> Scheduler::drain_locked() {
  cutting_ = false;
  std::vector<PairJob> out;
  for (auto& [id, job] : jobs_) out.push_back(std::move(job));
  jobs_.clear();
  queue_ = PairQueue();
  work_ready_.notify_all();
  return out;
}

std::vector<PairJob> Scheduler::stop() {
  std::lock_guard<std::mutex> lock(mu_);
  return drain_locked();
}

void Scheduler::wait(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  news_.wait_for(lock, timeout, [&] { return nudged_ || !scored_.empty(); });
  nudged_ = false;
}

std::vector<std::unique_ptr<PairBatch>> Scheduler::take_scored() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::move(scored_);
}

std::exception_ptr Scheduler::failure() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
}

std::size_t Scheduler::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

std::size_t Scheduler::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_;
}

void Scheduler::close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  work_ready_.notify_all();
}

void Scheduler::nudge() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    nudged_ = true;
  }
  news_.notify_all();
}

std::unique_ptr<Work> Scheduler::take() {
  std::unique_lock<std::mutex> lock(mu_);
  work_ready_.wait(lock, [&] { return closed_ || !cutting_ || !queue_.empty(); });
  if (closed_ || !cutting_) return nullptr;
  const std::size_t horizon = horizon_batches_ * limits_.max_tokens * devices_;
  std::vector<PairJob> jobs;
  for (const std::size_t id : queue_.cut(limits_, horizon)) {
    auto it = jobs_.find(id);
    jobs.push_back(std::move(it->second));
    jobs_.erase(it);
  }
  ++running_;
  return std::make_unique<PairBatch>(std::move(jobs), layout_);
}

void Scheduler::done(std::unique_ptr<Work> work, const BatchDone& stats) {
  // Counted before the batch is back: once nothing runs, every batch is counted.
  if (on_batch_) on_batch_(stats);
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Every Work handed out by take() is a PairBatch.
    scored_.emplace_back(static_cast<PairBatch*>(work.release()));
    --running_;
  }
  news_.notify_all();
}

void Scheduler::failed(std::unique_ptr<Work> work, std::exception_ptr error) {
  work.reset();  // its pairs are not scored; the run fails
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failure_) failure_ = error;
    drain_locked();
    --running_;
    nudged_ = true;  // news for the driver, once
  }
  news_.notify_all();
}

void Scheduler::lower_budget() {
  std::lock_guard<std::mutex> lock(mu_);
  limits_.max_tokens = std::max<std::size_t>(limits_.max_tokens / 2, 1);
}

}  // namespace pairrm
