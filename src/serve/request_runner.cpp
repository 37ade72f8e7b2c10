#include "request_runner.hpp"

#include <chrono>
#include <sstream>

#include "pairrm/io/json_writer.hpp"
#include "pairrm/io/jsonl.hpp"

namespace pairrm::serve {

PendingRequest::PendingRequest(std::unique_ptr<RecordHandler> handler, std::size_t records)
    : handler_(std::move(handler)), outputs_(records), errors_(records, false), left_(records) {}

void PendingRequest::deliver(std::size_t slot, std::string output, bool is_error, std::size_t pairs) {
  std::lock_guard<std::mutex> lock(mu_);
  pairs_ += pairs;
  outputs_[slot] = std::move(output);
  errors_[slot] = is_error;
  if (--left_ == 0) done_.notify_all();
}

void PendingRequest::cancel(std::optional<Reply> reply) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!cancel_reply_) cancel_reply_ = std::move(reply);
  cancelled_ = true;
  done_.notify_all();
}

std::optional<Reply> PendingRequest::cancel_reply() {
  std::lock_guard<std::mutex> lock(mu_);
  return cancel_reply_;
}

bool PendingRequest::wait(const std::function<bool()>& gone) {
  std::unique_lock<std::mutex> lock(mu_);
  while (left_ > 0 && !cancelled_) {
    if (done_.wait_for(lock, std::chrono::milliseconds(20), [&] { return left_ == 0 || cancelled_; })) break;
    lock.unlock();
    const bool left = gone && gone();
    lock.lock();
    if (left) {
      cancelled_ = true;
      return false;
    }
  }
  return left_ == 0;
}

RequestRunner::RequestRunner(RequestFeed& feed, const TextEncoder& encoder, const Layout& layout)
    : feed_(feed), encoder_(encoder), layout_(layout) {}

namespace {
// What a record's output extends: its "id" alone, so a reply holds the fields the CLI appends and
// the id that joins a batch's results back to its records.
std::string finish_base(std::string_view line) {
  const auto id = raw_member_value(line, "id");
  return id ? "{\"id\":" + std::string(*id) + "}" : "{}";
}
}  // namespace

std::optional<Reply> RequestRunner::run(Job job, const std::function<bool()>& gone) {
  auto request = std::make_shared<PendingRequest>(std::move(job.handler), job.lines.size());
  std::vector<std::unique_ptr<Record>> records;
  {
    // The records as the CLI reads lines: line k of the request is its k-th record.
    std::string text;
    for (const std::string& line : job.lines) text += line + '\n';
    std::istringstream in(text);
    JsonlReader reader(in);
    for (std::size_t slot = 0; slot < job.lines.size(); ++slot) {
      if (!job.line_numbers.empty()) reader.number_next(job.line_numbers[slot]);
      if (!reader.next()) break;
      auto record = make_record(reader.line(), job.keep_raw ? std::string(reader.raw()) : finish_base(reader.raw()),
                                task_of_line(reader, request->handler(), "id"), encoder_, layout_);
      if (job.single && record->error) {
        return error_reply(400, record->error->message, record->error->field);
      }
      record->owner = request;
      record->slot = slot;
      records.push_back(std::move(record));
    }
  }
  if (records.size() != job.lines.size()) return error_reply(400, "a record is empty");
  {
    std::lock_guard<std::mutex> lock(mu_);
    live_.insert(request);
  }
  const bool queued = feed_.push(std::move(records));
  const bool done = queued && request->wait(gone);
  {
    std::lock_guard<std::mutex> lock(mu_);
    live_.erase(request);
  }
  if (!queued) return error_reply(503, "the server is shutting down");
  if (!done) {
    request->cancel();
    if (auto reply = request->cancel_reply()) return reply;
    return std::nullopt;  // the client left
  }
  return job.respond(request->outputs(), request->errors(), request->pairs());
}

void RequestRunner::cancel_all(const Reply& reply) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& r : live_) r->cancel(reply);
}

std::size_t RequestRunner::in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return live_.size();
}

}  // namespace pairrm::serve
