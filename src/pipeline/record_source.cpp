#include "pairrm/pipeline/record_source.hpp"

#include <chrono>

namespace pairrm {

RecordSource::RecordSource(JsonlReader& reader, RecordHandler& handler, const TextEncoder& encoder, const Layout& layout,
                           std::size_t capacity, bool stop_at_error, const StopSignal* stop, std::string id_key)
    : reader_(reader),
      handler_(handler),
      encoder_(encoder),
      layout_(layout),
      capacity_(capacity == 0 ? 1 : capacity),
      stop_at_error_(stop_at_error),
      stop_(stop),
      id_key_(std::move(id_key)) {
  thread_ = std::thread([this] { run(); });
}

RecordSource::~RecordSource() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
    changed_.notify_all();
  }
  reader_.cancel();  // wakes a read blocked on the input
  thread_.join();
}

void RecordSource::on_ready(std::function<void()> notify) { notify_.set(std::move(notify)); }

void RecordSource::run() {
  bool at_end = false;
  try {
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        changed_.wait(lock, [&] { return ready_.size() < capacity_ || shutdown_; });
        if (shutdown_) break;
      }
      if (stop_requested()) break;
      auto record = prepare();
      if (!record) {
        at_end = !reader_.stopped();
        break;
      }
      const bool last = stop_at_error_ && record->error;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ready_.push_back(std::move(record));
        changed_.notify_all();
      }
      notify_();
      if (last) {
        at_end = true;  // --on-error fail: the input ends at its first bad line
        break;
      }
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mu_);
    failure_ = std::current_exception();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ended_ = true;
    at_end_ = at_end;
    changed_.notify_all();
  }
  notify_();
}

std::unique_ptr<Record> RecordSource::prepare() {
  if (!reader_.next()) return nullptr;
  return make_record(reader_.line(), std::string(reader_.raw()), task_of_line(reader_, handler_, id_key_), encoder_,
                     layout_);
}

RecordSource::Next RecordSource::next(Wait wait) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (stop_requested()) return {State::Stopped, nullptr};
    if (!ready_.empty()) {
      auto record = std::move(ready_.front());
      ready_.pop_front();
      changed_.notify_all();
      return {State::Record, std::move(record)};
    }
    if (ended_) {
      if (failure_) std::rethrow_exception(failure_);
      return {at_end_ ? State::Ended : State::Stopped, nullptr};
    }
    if (wait == Wait::No) return {State::NotYet, nullptr};
    // A signal handler cannot notify a condition variable: the reading thread wakes on the stop and
    // ends (which notifies), and this timeout covers a thread busy tokenizing a long record.
    changed_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

}  // namespace pairrm
