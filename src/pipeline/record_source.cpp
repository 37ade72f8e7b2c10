#include "pairrm/pipeline/record_source.hpp"

#include <chrono>
#include <string_view>
#include <unordered_map>

namespace pairrm {

RecordSource::RecordSource(JsonlReader& reader, RecordHandler& handler, const TextEncoder& encoder, const Layout& layout,
                           std::size_t capacity, bool stop_at_error, const std::atomic<int>* stop)
    : reader_(reader),
      handler_(handler),
      encoder_(encoder),
      layout_(layout),
      capacity_(capacity == 0 ? 1 : capacity),
      stop_at_error_(stop_at_error),
      stop_(stop),
      thread_([this] { run(); }) {}

RecordSource::~RecordSource() {
  std::unique_lock<std::mutex> lock(mu_);
  stopping_ = true;
  changed_.notify_all();
  if (stop_ && stop_->load() && !changed_.wait_for(lock, std::chrono::seconds(1), [&] { return ended_; })) {
    thread_.detach();
    return;
  }
  lock.unlock();
  thread_.join();
}

void RecordSource::run() {
  try {
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        changed_.wait(lock, [&] { return ready_.size() < capacity_ || stopping_; });
        if (stopping_ || (stop_ && stop_->load())) break;
      }
      auto record = prepare();
      std::lock_guard<std::mutex> lock(mu_);
      if (!record) break;
      const bool stop = stop_at_error_ && record->error;
      ready_.push_back(std::move(record));
      changed_.notify_all();
      if (stop) break;
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mu_);
    failure_ = std::current_exception();
  }
  std::lock_guard<std::mutex> lock(mu_);
  ended_ = true;
  changed_.notify_all();
}

std::unique_ptr<Record> RecordSource::prepare() {
  if (!reader_.next()) return nullptr;
  auto record = std::make_unique<Record>();
  record->line = reader_.line();
  record->raw = std::string(reader_.raw());
  auto fail = [&](const InputError& e) {
    record->error = e;
    record->output = error_object(e);
    record->done = true;
    return std::move(record);
  };
  auto parsed = reader_.parsed();
  if (auto e = error_of(parsed)) return fail(*e);
  auto task = handler_.make_task(std::get<JsonObject>(parsed));
  if (auto e = error_of(task)) return fail(*e);
  record->task = std::move(std::get<Task>(task));
  encode(*record);
  record->logits = nan_matrix(record->task.candidates.size());
  return record;
}

void RecordSource::encode(Record& r) const {
  r.source_part = layout_.source_part(encoder_.source(r.task.source));
  std::unordered_map<std::string_view, const TokenIds*> seen;
  for (const std::string& text : r.task.candidates) {
    auto it = seen.find(text);
    if (it == seen.end()) {
      r.distinct.push_back(std::make_unique<TokenIds>(encoder_.candidate(text)));
      it = seen.emplace(text, r.distinct.back().get()).first;
    }
    r.candidate_pieces.push_back(it->second);
  }
}

std::unique_ptr<Record> RecordSource::next(bool wait) {
  std::unique_lock<std::mutex> lock(mu_);
  if (wait) changed_.wait(lock, [&] { return !ready_.empty() || ended_; });
  if (ready_.empty()) {
    if (failure_) std::rethrow_exception(failure_);
    return nullptr;
  }
  auto record = std::move(ready_.front());
  ready_.pop_front();
  changed_.notify_all();
  return record;
}

bool RecordSource::exhausted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ended_ && ready_.empty() && !failure_;
}

}  // namespace pairrm
