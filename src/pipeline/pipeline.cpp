#include "pairrm/pipeline/pipeline.hpp"

#include <algorithm>
#include <exception>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "pairrm/pipeline/record_source.hpp"
#include "pairrm/pipeline/wave.hpp"
#include "pairrm/runtime/device_pool.hpp"

namespace pairrm {

namespace {

// The summary, updated by the driving thread (records) and the device workers (batches).
class Progress {
 public:
  explicit Progress(const std::function<void(const Summary&)>& report) : report_(report) {}
  template <typename Update>
  void update(Update&& f) {
    std::lock_guard<std::mutex> lock(mu_);
    f(summary_);
    if (report_) report_(summary_);
  }
  Summary get() {
    std::lock_guard<std::mutex> lock(mu_);
    return summary_;
  }

 private:
  std::mutex mu_;
  Summary summary_;
  const std::function<void(const Summary&)>& report_;
};

// Admits records, runs waves through the pool, writes finished records; on its own thread. A small
// state machine:
//   reading  - records are admitted as the reading stage makes them, up to the window;
//   scoring  - what was admitted runs as one wave: the window is full, or the reading stage waits
//              for its producer (a pipe whose writer is silent): no record waits for others that
//              may never come. A file never makes it wait, so its waves are always full windows,
//              the same whatever the timing;
//   idle     - nothing to score: finished lines are written, then it waits for the next record;
//   ended    - the input reached its end and every line is written: the run is complete;
//   stopped  - a stop was requested: finished lines are written, the rest is left to --resume.
// Records a request owns (the server's) share the waves, but each goes to its owner as soon as it
// is done, and a cancelled one's pairs leave before the next wave is cut.
class Driver {
 public:
  enum class Outcome { Complete, Stopped };

  // out and handler: for the lines of a stream; null when every record has an owner.
  Driver(RecordFeed& source, std::ostream* out, RecordHandler* handler, const Layout& layout, DevicePool& pool,
         const PipelineOptions& options, Progress& progress)
      : source_(source), out_(out), handler_(handler), layout_(layout), pool_(pool), options_(options),
        progress_(progress), window_(options.window_records) {}

  Outcome run() {
    while (true) {
      const Intake intake = take_ready();
      write_finished();
      if (intake == Intake::Stopped || stopped()) return Outcome::Stopped;
      if (pending_.empty()) {
        if (intake == Intake::Ended) return Outcome::Complete;
        continue;  // idle
      }
      if (!run_wave()) return Outcome::Stopped;
    }
  }

 private:
  enum class Intake { WindowFull, NothingReady, Ended, Stopped };

  // Admits records while the reading stage makes them; when idle, writes what is finished first.
  Intake take_ready() {
    while (window_.size() + owned_.size() < options_.window_records && pending_.size() < options_.window_pairs) {
      const bool idle = pending_.empty();
      if (idle) write_finished();
      auto next = source_.next(idle ? RecordFeed::Wait::ForRecord : RecordFeed::Wait::WhileReading);
      switch (next.state) {
        case RecordFeed::State::Record: admit(std::move(next.record)); break;
        case RecordFeed::State::NotYet: return Intake::NothingReady;
        case RecordFeed::State::Ended: return Intake::Ended;
        case RecordFeed::State::Stopped: return Intake::Stopped;
      }
    }
    return Intake::WindowFull;
  }

  // One wave: batches to the pool, then (all back) logits into the records and their next rounds.
  // False when stopped: the wave's records are not written; a resumed run redoes them.
  bool run_wave() {
    drop_cancelled();
    if (pending_.empty()) return true;
    auto wave = std::make_shared<Wave>(take_wave(), layout_);
    BatchLimits limits = options_.limits;
    limits.max_tokens = pool_.max_tokens();
    for (auto [begin, end] : wave->cut(limits)) {
      if (stopped()) break;
      pool_.submit(wave, begin, end, wave->build(begin, end));
    }
    if (!pool_.wait(options_.stop) || stopped()) return false;
    wave->apply();
    for (Record* r : wave->records()) {
      if (r->outstanding == 0) advance(*r);  // its round is complete
    }
    return true;
  }

  // The pairs of the next wave: every pending one, or with options_.wave_pairs a fair share of each
  // record's (each record's pending pairs are contiguous): records with fewer pairs than the share
  // go whole, the others give their first pairs up to it; the rest waits for the next wave.
  std::vector<PairJob> take_wave() {
    std::vector<PairJob> wave;
    const std::size_t cap = options_.wave_pairs;
    if (cap == 0 || pending_.size() <= cap) {
      wave.swap(pending_);
      return wave;
    }
    std::vector<std::pair<std::size_t, std::size_t>> groups;  // [begin, end) per record
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      if (i == 0 || pending_[i].record != pending_[i - 1].record) groups.emplace_back(i, i);
      groups.back().second = i + 1;
    }
    std::vector<std::size_t> sizes;
    for (const auto& [begin, end] : groups) sizes.push_back(end - begin);
    std::sort(sizes.begin(), sizes.end());
    std::size_t share = 0, left = cap, records_left = sizes.size();
    for (const std::size_t size : sizes) {  // the largest share that keeps the wave within cap
      if (size * records_left > left) {
        share = std::max<std::size_t>(left / records_left, 1);
        break;
      }
      left -= size;
      --records_left;
      share = size;
    }
    std::vector<PairJob> rest;
    for (const auto& [begin, end] : groups) {
      const std::size_t cut = begin + std::min(end - begin, share);
      wave.insert(wave.end(), std::make_move_iterator(pending_.begin() + begin), std::make_move_iterator(pending_.begin() + cut));
      rest.insert(rest.end(), std::make_move_iterator(pending_.begin() + cut), std::make_move_iterator(pending_.begin() + end));
    }
    pending_.swap(rest);
    return wave;
  }

  void admit(std::unique_ptr<Record> record) {
    progress_.update([&](Summary& s) {
      ++s.records;
      s.errors += record->error.has_value();
    });
    Record& r = record->owner ? *owned_.emplace_back(std::move(record)) : window_.push(std::move(record));
    if (!r.done) advance(r);
  }

  void advance(Record& r) {
    auto jobs = next_jobs(r, layout_);
    if (jobs.empty()) {
      RecordHandler& handler = r.owner ? r.owner->handler() : *handler_;
      r.output = handler.finish(r.raw, r.task, r.logits);
      r.done = true;
      return;
    }
    pending_.insert(pending_.end(), std::make_move_iterator(jobs.begin()), std::make_move_iterator(jobs.end()));
  }

  bool stopped() const { return options_.stop && options_.stop->value(); }

  // The pairs of records whose owner gave up leave before a wave is cut; then the records. Each
  // owner is asked once: it may give up (another thread) while this runs.
  void drop_cancelled() {
    if (owned_.empty()) return;
    std::unordered_set<const Record*> gone;
    for (const auto& r : owned_) {
      if (r->owner->cancelled()) gone.insert(r.get());
    }
    if (gone.empty()) return;
    pending_.erase(std::remove_if(pending_.begin(), pending_.end(),
                                  [&](const PairJob& j) { return gone.count(j.record) > 0; }),
                   pending_.end());
    owned_.remove_if([&](const std::unique_ptr<Record>& r) { return gone.count(r.get()) > 0; });
  }

  // Owned records go to their owners as soon as they are done, in any order.
  void deliver_finished() {
    for (auto it = owned_.begin(); it != owned_.end();) {
      Record& r = **it;
      if (!r.done) {
        ++it;
        continue;
      }
      progress_.update([&](Summary& s) {
        ++s.written;
        s.written_errors += r.error.has_value();
      });
      r.owner->deliver(r.slot, std::move(r.output), r.error.has_value());
      it = owned_.erase(it);
    }
  }

  // Finished lines at the head of the window, in input order; flushed (and journaled) when any.
  void write_finished() {
    deliver_finished();
    std::size_t lines = 0, bytes = 0, errors = 0;
    window_.drain([&](const Record& r) {
      if (r.error && options_.on_error == OnError::Fail) {
        if (lines) flush();
        throw Error(describe(*r.error));
      }
      *out_ << r.output << '\n';
      if (options_.journal) options_.journal->written(r.raw, r.error.has_value());
      ++lines;
      errors += r.error.has_value();
      bytes += r.raw.size() + 1;
    });
    if (!lines) return;
    flush();
    progress_.update([&](Summary& s) {
      s.written += lines;
      s.written_errors += errors;
      s.bytes_written += bytes;
    });
  }

  void flush() {
    out_->flush();
    if (!*out_) throw Error(options_.output_name + ": writing the output failed (disk full or closed pipe?)");
    if (options_.journal) options_.journal->flushed();
  }

  RecordFeed& source_;
  std::ostream* out_;
  RecordHandler* handler_;
  const Layout& layout_;
  DevicePool& pool_;
  const PipelineOptions& options_;
  Progress& progress_;
  RecordWindow window_;                       // lines of a stream, in input order
  std::list<std::unique_ptr<Record>> owned_;  // records with owners, in no order
  std::vector<PairJob> pending_;
};

}  // namespace

namespace {
Summary drive(RecordFeed& feed, std::ostream* out, RecordHandler* handler, const Layout& layout,
              DevicePool& pool, const PipelineOptions& options, Progress& progress) {
  std::exception_ptr failure;
  auto outcome = Driver::Outcome::Stopped;
  std::thread driver([&] {
    try {
      outcome = Driver(feed, out, handler, layout, pool, options, progress).run();
    } catch (...) {
      failure = std::current_exception();
    }
    pool.close();
  });
  pool.serve();  // the first device's worker: this thread
  driver.join();
  if (failure) std::rethrow_exception(failure);
  Summary s = progress.get();
  if (outcome == Driver::Outcome::Stopped) {
    s.stopped_by = options.stop ? options.stop->value() : 0;
    if (s.stopped_by == 0) throw Error("the input stopped without a stop request (this is a bug)");
  }
  return s;
}

std::function<void(const BatchDone&)> count_batches(Progress& progress) {
  return [&progress](const BatchDone& b) {
    progress.update([&](Summary& s) {
      s.pairs += b.rows;
      s.tokens += b.tokens;
      s.padded_tokens += b.padded_tokens;
      s.busy_seconds += b.seconds;
      ++s.batches;
    });
  };
}
}  // namespace

Summary run_pipeline(JsonlReader& in, std::ostream& out, RecordHandler& handler, const TextEncoder& encoder,
                     const Layout& layout, const std::vector<Scorer*>& scorers, const PipelineOptions& options,
                     const std::function<void(const Summary&)>& report) {
  Progress progress(report);
  DevicePool pool(scorers, options.limits.max_tokens, count_batches(progress));
  RecordSource source(in, handler, encoder, layout, options.window_records, options.on_error == OnError::Fail, options.stop,
                      options.id_key);
  return drive(source, &out, &handler, layout, pool, options, progress);
}

Summary run_owned_records(RecordFeed& feed, const Layout& layout, const std::vector<Scorer*>& scorers,
                          const PipelineOptions& options, const std::function<void(const Summary&)>& report) {
  Progress progress(report);
  DevicePool pool(scorers, options.limits.max_tokens, count_batches(progress));
  return drive(feed, nullptr, nullptr, layout, pool, options, progress);
}

Summary run_pipeline(JsonlReader& in, std::ostream& out, RecordHandler& handler, const TextEncoder& encoder,
                     const Layout& layout, Scorer& scorer, const PipelineOptions& options,
                     const std::function<void(const Summary&)>& report) {
  return run_pipeline(in, out, handler, encoder, layout, std::vector<Scorer*>{&scorer}, options, report);
}

}  // namespace pairrm
