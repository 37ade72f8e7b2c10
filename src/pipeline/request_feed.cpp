#include "pairrm/pipeline/request_feed.hpp"

namespace pairrm {

bool RequestFeed::push(std::vector<std::unique_ptr<Record>> records) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return false;
    const auto now = std::chrono::steady_clock::now();
    for (auto& r : records) queue_.emplace_back(now, std::move(r));
    changed_.notify_all();
  }
  notify_();
  return true;
}

void RequestFeed::close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    changed_.notify_all();
  }
  notify_();
}

void RequestFeed::on_ready(std::function<void()> notify) { notify_.set(std::move(notify)); }

std::size_t RequestFeed::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

RecordFeed::Next RequestFeed::next(Wait wait) {
  std::unique_lock<std::mutex> lock(mu_);
  if (wait == Wait::No && queue_.empty() && !closed_) return {State::NotYet, nullptr};
  changed_.wait(lock, [&] { return !queue_.empty() || closed_; });
  if (queue_.empty()) return {State::Ended, nullptr};
  auto [since, record] = std::move(queue_.front());
  queue_.pop_front();
  lock.unlock();
  if (on_taken_) on_taken_(std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count());
  return {State::Record, std::move(record)};
}

}  // namespace pairrm
