#include "pairrm/pipeline/pipeline.hpp"

#include <exception>
#include <mutex>
#include <thread>

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

// Admits records, runs waves through the pool, writes finished records. Runs on its own thread.
class Driver {
 public:
  Driver(RecordSource& source, std::ostream& out, RecordHandler& handler, const Layout& layout, DevicePool& pool,
         const PipelineOptions& options, Progress& progress)
      : source_(source), out_(out), handler_(handler), layout_(layout), pool_(pool), options_(options),
        progress_(progress), window_(options.window_records) {}

  // True when every input line was written; false when stopped early.
  bool run() {
    std::vector<PairJob> pending;
    bool ended = false;
    while (true) {
      // Fill the window. The reading stage has been reading and encoding these records while the
      // devices ran the last wave, so this waits only when reading is slower than scoring. Waves
      // are then the same whatever the timing: batches, and so CPU logits, are reproducible.
      while (!ended && !window_.full() && pending.size() < options_.window_pairs) {
        auto record = source_.next(true);
        if (!record) {
          ended = true;
          break;
        }
        admit(std::move(record), pending);
      }
      write_finished();
      if (pending.empty() && ended && window_.empty()) return true;
      if (stopped()) return false;
      if (pending.empty()) continue;
      Wave wave(std::move(pending), layout_);
      pending.clear();
      BatchLimits limits = options_.limits;
      limits.max_tokens = pool_.max_tokens();
      for (auto [begin, end] : wave.cut(limits)) {
        if (stopped()) break;
        pool_.submit(wave, begin, end, wave.build(begin, end));
      }
      if (!pool_.wait(options_.stop) || stopped()) {
        // The wave's records are incomplete: they are not written; a resumed run redoes them.
        write_finished();
        return false;
      }
      for (Record* r : wave.records()) advance(*r, pending);
    }
  }

 private:
  void admit(std::unique_ptr<Record> record, std::vector<PairJob>& pending) {
    progress_.update([&](Summary& s) {
      ++s.records;
      s.errors += record->error.has_value();
    });
    Record& r = window_.push(std::move(record));
    if (!r.done) advance(r, pending);
  }

  void advance(Record& r, std::vector<PairJob>& pending) {
    auto jobs = next_jobs(r, layout_);
    if (jobs.empty()) {
      r.output = handler_.finish(r.raw, r.task, r.logits);
      r.done = true;
      return;
    }
    pending.insert(pending.end(), jobs.begin(), jobs.end());
  }

  bool stopped() const { return options_.stop && options_.stop->load(); }

  void write_finished() {
    std::size_t lines = 0, bytes = 0;
    window_.drain([&](const Record& r) {
      if (r.error && options_.on_error == OnError::Fail) {
        flush();
        throw Error(describe(*r.error));
      }
      out_ << r.output << '\n';
      if (options_.journal) options_.journal->written(r.raw, r.error.has_value());
      ++lines;
      bytes += r.raw.size() + 1;
    });
    flush();
    if (lines) {
      progress_.update([&](Summary& s) {
        s.written += lines;
        s.bytes_written += bytes;
      });
    }
  }

  void flush() {
    out_.flush();
    if (!out_) throw Error(options_.output_name + ": writing the output failed (disk full or closed pipe?)");
    if (options_.journal) options_.journal->flushed();
  }

  RecordSource& source_;
  std::ostream& out_;
  RecordHandler& handler_;
  const Layout& layout_;
  DevicePool& pool_;
  const PipelineOptions& options_;
  Progress& progress_;
  RecordWindow window_;
};

}  // namespace

Summary run_pipeline(JsonlReader& in, std::ostream& out, RecordHandler& handler, const TextEncoder& encoder,
                     const Layout& layout, const std::vector<Scorer*>& scorers, const PipelineOptions& options,
                     const std::function<void(const Summary&)>& report) {
  Progress progress(report);
  DevicePool pool(scorers, options.limits.max_tokens, [&](const BatchDone& b) {
    progress.update([&](Summary& s) {
      s.pairs += b.rows;
      s.tokens += b.tokens;
      s.padded_tokens += b.padded_tokens;
      ++s.batches;
    });
  });
  RecordSource source(in, handler, encoder, layout, options.window_records, options.on_error == OnError::Fail, options.stop);
  std::exception_ptr failure;
  bool complete = false;
  std::thread driver([&] {
    try {
      complete = Driver(source, out, handler, layout, pool, options, progress).run();
    } catch (...) {
      failure = std::current_exception();
    }
    pool.close();
  });
  pool.serve();  // the first device's worker: this thread
  driver.join();
  if (failure) std::rethrow_exception(failure);
  Summary s = progress.get();
  if (!complete && options.stop) s.stopped_by = options.stop->load();
  return s;
}

Summary run_pipeline(JsonlReader& in, std::ostream& out, RecordHandler& handler, const TextEncoder& encoder,
                     const Layout& layout, Scorer& scorer, const PipelineOptions& options,
                     const std::function<void(const Summary&)>& report) {
  return run_pipeline(in, out, handler, encoder, layout, std::vector<Scorer*>{&scorer}, options, report);
}

}  // namespace pairrm
