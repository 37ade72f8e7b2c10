#include "run_remote.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "pairrm/io/json_writer.hpp"

namespace pairrm::cli {

namespace {
constexpr std::size_t kBatchLines = 256;
constexpr std::size_t kBatchBytes = std::size_t{4} << 20;  // at most; less when the server takes less
constexpr std::size_t kEnvelopeBytes = 4096;                // the request's other fields

// Lines waiting for the server, with the error records made here for bad lines in their places.
class Batch {
 public:
  Batch(OrderedWriter& out, RecordHandler& handler, const RemoteRun& remote, const PipelineOptions& options,
        Summary& summary, const std::function<void(const Summary&)>& progress)
      : out_(out), handler_(handler), remote_(remote), options_(options), summary_(summary), progress_(progress) {}

  // False when a stop cut the call to the server short (nothing pending was written).
  bool add(std::string_view raw, std::size_t line, LineTask made) {
    ++summary_.records;
    // A line the server would refuse as too large is an error record here, named like any other.
    const std::size_t escaped = escaped_size(raw);
    if (!error_of(made.task) && escaped + kEnvelopeBytes > remote_.max_body_bytes) {
      InputError e{line, "", fmt::format("a line of {} bytes; the server takes requests of {} bytes at most (its "
                                         "--max-body-bytes; or run without --server)",
                                         raw.size(), remote_.max_body_bytes)};
      const auto id = options_.id_key.empty() ? std::nullopt : raw_member_value(raw, options_.id_key);
      made = LineTask{e, error_object(e, options_.id_key, id.value_or(std::string_view{}))};
    }
    if (error_of(made.task)) {
      ++summary_.errors;
      if (options_.on_error == OnError::Fail) {
        if (!send()) return false;
        throw Error(describe(std::get<InputError>(made.task)));
      }
      slots_.push_back({std::string(raw), std::move(made.error_record), true});
      return true;
    }
    if (bytes_ + escaped + kEnvelopeBytes > budget() && !send()) return false;
    slots_.push_back({std::string(raw), {}, false});
    to_send_.push_back(std::string(raw));
    numbers_.push_back(line);
    bytes_ += escaped;
    return to_send_.size() < kBatchLines || send();
  }

  // Scores what is pending and writes every line, in order; false when stopped first.
  bool send() {
    if (slots_.empty()) return true;
    serve::RemoteServer::Answered answers;
    if (!to_send_.empty()) {
      auto got = remote_.server.lines(remote_.command, remote_.options_json, to_send_, numbers_);
      if (!got) return false;
      answers = std::move(*got);
    }
    // Every line of a call is written below: what it scored is all in lines written.
    summary_.pairs += answers.pairs;
    summary_.pairs_written += answers.pairs;
    std::size_t next = 0;
    for (Slot& s : slots_) {
      if (!s.is_error) {
        s.is_error = answers.is_error[next];
        summary_.errors += s.is_error;
        s.output = std::move(answers.lines[next++]);
      }
      out_.write(s.raw, s.output, s.is_error);
      if (!s.is_error) handler_.resumed(s.output);  // eval counts its lines as a resumed run does
    }
    slots_.clear();
    to_send_.clear();
    numbers_.clear();
    bytes_ = 0;
    out_.flush();
    summary_.written = out_.counts().lines;
    summary_.written_errors = out_.counts().errors;
    summary_.bytes_written = out_.counts().bytes;
    if (progress_) progress_(summary_);
    return true;
  }

 private:
  struct Slot {
    std::string raw;
    std::string output;  // the output line once known (an error record made here at once)
    bool is_error;
  };
  static std::size_t escaped_size(std::string_view raw) {
    JsonWriter w;
    w.value(raw);
    return w.str().size() + 1;
  }
  std::size_t budget() const { return std::min(kBatchBytes, remote_.max_body_bytes); }
  OrderedWriter& out_;
  RecordHandler& handler_;
  const RemoteRun& remote_;
  const PipelineOptions& options_;
  Summary& summary_;
  const std::function<void(const Summary&)>& progress_;
  std::vector<Slot> slots_;
  std::vector<std::string> to_send_;
  std::vector<std::size_t> numbers_;
  std::size_t bytes_ = 0;
};
}  // namespace

Summary run_remote(JsonlReader& in, OrderedWriter& out, RecordHandler& handler, const RemoteRun& remote,
                   const PipelineOptions& options, const StopSignal* stop,
                   const std::function<void(const Summary&)>& progress) {
  Summary summary;
  Batch batch(out, handler, remote, options, summary, progress);
  // A producer that goes quiet gets the lines it sent answered now, not when a batch fills.
  bool stopped = false;
  in.on_waiting([&](bool waiting) {
    if (waiting && !stopped) stopped = !batch.send();
  });
  struct Unhook {
    JsonlReader& in;
    ~Unhook() { in.on_waiting({}); }
  } unhook{in};
  while (!stopped && !(stop && stop->value()) && in.next()) {
    stopped = !batch.add(in.raw(), in.line(), task_of_line(in, handler, options.id_key));
  }
  if (!stopped && !(stop && stop->value())) stopped = !batch.send();
  if (stop && stop->value()) {
    summary.stopped_by = stop->value();  // what is pending is left to --resume
  }
  return summary;
}

}  // namespace pairrm::cli
