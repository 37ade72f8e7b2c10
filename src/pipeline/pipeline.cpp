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

  void run() {
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
      if (pending.empty()) {
        if (ended && window_.empty()) return;
        continue;
      }
      Wave wave(std::move(pending), layout_);
      pending.clear();
      BatchLimits limits = options_.limits;
      limits.max_tokens = pool_.max_tokens();
      for (auto [begin, end] : wave.cut(limits)) pool_.submit(wave, begin, end, wave.build(begin, end));
      pool_.wait();
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

  void write_finished() {
    std::size_t lines = 0, bytes = 0;
    window_.drain([&](const Record& r) {
      if (r.error && options_.on_error == OnError::Fail) {
        out_.flush();
        throw Error(describe(*r.error));
      }
      out_ << r.output << '\n';
      ++lines;
      bytes += r.raw.size() + 1;
    });
    out_.flush();
    if (lines) {
      progress_.update([&](Summary& s) {
        s.written += lines;
        s.bytes_written += bytes;
      });
    }
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
  RecordSource source(in, handler, encoder, layout, options.window_records, options.on_error == OnError::Fail);
  std::exception_ptr failure;
  std::thread driver([&] {
    try {
      Driver(source, out, handler, layout, pool, options, progress).run();
    } catch (...) {
      failure = std::current_exception();
    }
    pool.close();
  });
  pool.serve();  // the first device's worker: this thread
  driver.join();
  if (failure) std::rethrow_exception(failure);
  return progress.get();
}

Summary run_pipeline(JsonlReader& in, std::ostream& out, RecordHandler& handler, const TextEncoder& encoder,
                     const Layout& layout, Scorer& scorer, const PipelineOptions& options,
                     const std::function<void(const Summary&)>& report) {
  return run_pipeline(in, out, handler, encoder, layout, std::vector<Scorer*>{&scorer}, options, report);
}

}  // namespace pairrm
