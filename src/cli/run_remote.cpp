#include "run_remote.hpp"

#include <vector>

namespace pairrm::cli {

namespace {
constexpr std::size_t kBatchLines = 256;
constexpr std::size_t kBatchBytes = std::size_t{4} << 20;

// Lines waiting for the server, with the error records made here for bad lines in their places.
class Batch {
 public:
  Batch(std::ostream& out, RecordHandler& handler, const RemoteRun& remote, const PipelineOptions& options,
        Summary& summary, const std::function<void(const Summary&)>& progress)
      : out_(out), handler_(handler), remote_(remote), options_(options), summary_(summary), progress_(progress) {}

  void add(std::string_view raw, LineTask made) {
    ++summary_.records;
    if (error_of(made.task)) {
      ++summary_.errors;
      if (options_.on_error == OnError::Fail) {
        send();
        throw Error(describe(std::get<InputError>(made.task)));
      }
      slots_.push_back({std::string(raw), std::move(made.error_record), true});
    } else {
      slots_.push_back({std::string(raw), {}, false});
      to_send_.push_back(std::string(raw));
      bytes_ += raw.size();
    }
    if (to_send_.size() >= kBatchLines || bytes_ >= kBatchBytes) send();
  }

  // Scores what is pending and writes every line, in order.
  void send() {
    if (slots_.empty()) return;
    std::vector<std::string> answers;
    if (!to_send_.empty()) answers = remote_.server.lines(remote_.command, remote_.options_json, to_send_);
    std::size_t next = 0, errors = 0, bytes = 0;
    for (Slot& s : slots_) {
      const std::string& line = s.is_error ? s.error_record : answers[next++];
      out_ << line << '\n';
      if (!s.is_error) handler_.resumed(line);  // eval counts its lines as a resumed run does
      if (options_.journal) options_.journal->written(s.raw, s.is_error);
      errors += s.is_error;
      bytes += s.raw.size() + 1;
    }
    summary_.written += slots_.size();
    summary_.written_errors += errors;
    summary_.bytes_written += bytes;
    slots_.clear();
    to_send_.clear();
    bytes_ = 0;
    out_.flush();
    if (!out_) throw Error(options_.output_name + ": writing the output failed (disk full or closed pipe?)");
    if (options_.journal) options_.journal->flushed();
    if (progress_) progress_(summary_);
  }

 private:
  struct Slot {
    std::string raw, error_record;
    bool is_error;
  };
  std::ostream& out_;
  RecordHandler& handler_;
  const RemoteRun& remote_;
  const PipelineOptions& options_;
  Summary& summary_;
  const std::function<void(const Summary&)>& progress_;
  std::vector<Slot> slots_;
  std::vector<std::string> to_send_;
  std::size_t bytes_ = 0;
};
}  // namespace

Summary run_remote(JsonlReader& in, std::ostream& out, RecordHandler& handler, const RemoteRun& remote,
                   const PipelineOptions& options, const std::function<void(const Summary&)>& progress) {
  Summary summary;
  Batch batch(out, handler, remote, options, summary, progress);
  // A producer that goes quiet gets the lines it sent answered now, not when a batch fills.
  in.on_waiting([&](bool waiting) {
    if (waiting) batch.send();
  });
  struct Unhook {
    JsonlReader& in;
    ~Unhook() { in.on_waiting({}); }
  } unhook{in};
  while (!(options.stop && options.stop->value()) && in.next()) {
    batch.add(in.raw(), task_of_line(in, handler, options.id_key));
  }
  if (options.stop && options.stop->value()) {
    summary.stopped_by = options.stop->value();
    return summary;  // what is pending is left to --resume
  }
  batch.send();
  return summary;
}

}  // namespace pairrm::cli
