#include "pairrm/pipeline/pipeline.hpp"

#include <exception>
#include <thread>

#include "pairrm/pipeline/driver.hpp"
#include "pairrm/pipeline/owner_sink.hpp"
#include "pairrm/pipeline/record_source.hpp"
#include "pairrm/pipeline/scheduler.hpp"
#include "pairrm/pipeline/stream_sink.hpp"
#include "pairrm/runtime/device_workers.hpp"

namespace pairrm {

namespace {

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

// The driver on its own thread, the first device's worker on this one (the others on theirs).
Summary drive(RecordFeed& feed, RecordSink& sink, const Layout& layout, const std::vector<Scorer*>& scorers,
              const PipelineOptions& options, std::size_t horizon_batches, const StopSignal* stop, Progress& progress) {
  Scheduler scheduler(layout, options.limits, horizon_batches, scorers.size(), count_batches(progress));
  feed.on_ready([&] { scheduler.nudge(); });
  std::exception_ptr failure;
  auto outcome = Driver::Outcome::Stopped;
  {
    DeviceWorkers workers(scorers, scheduler);
    std::thread driver([&] {
      try {
        outcome = Driver(feed, sink, scheduler, layout, {options.window_pairs, stop}, progress).run();
      } catch (...) {
        failure = std::current_exception();
      }
      scheduler.close();
    });
    workers.serve();
    driver.join();
  }  // every worker joined
  feed.on_ready({});
  if (failure) std::rethrow_exception(failure);
  Summary s = progress.get();
  if (outcome == Driver::Outcome::Stopped) {
    s.stopped_by = stop ? stop->value() : 0;
    if (s.stopped_by == 0) throw Error("the input stopped without a stop request (this is a bug)");
  }
  return s;
}

}  // namespace

Summary run_pipeline(JsonlReader& in, OrderedWriter& out, RecordHandler& handler, const TextEncoder& encoder,
                     const Layout& layout, const std::vector<Scorer*>& scorers, const PipelineOptions& options,
                     const StopSignal* stop, const std::function<void(const Summary&)>& report) {
  Progress progress(report);
  const bool stop_at_error = options.on_error == OnError::Fail;
  RecordSource source(in, handler, encoder, layout, options.window_records, stop_at_error, stop, options.id_key);
  StreamSink sink(out, handler, options.window_records, stop_at_error);
  return drive(source, sink, layout, scorers, options, options.horizon_batches, stop, progress);
}

Summary run_pipeline(JsonlReader& in, std::ostream& out, RecordHandler& handler, const TextEncoder& encoder,
                     const Layout& layout, const std::vector<Scorer*>& scorers, const PipelineOptions& options,
                     const StopSignal* stop, const std::function<void(const Summary&)>& report) {
  OrderedWriter writer(out);
  return run_pipeline(in, writer, handler, encoder, layout, scorers, options, stop, report);
}

Summary run_pipeline(JsonlReader& in, std::ostream& out, RecordHandler& handler, const TextEncoder& encoder,
                     const Layout& layout, Scorer& scorer, const PipelineOptions& options,
                     const StopSignal* stop, const std::function<void(const Summary&)>& report) {
  return run_pipeline(in, out, handler, encoder, layout, std::vector<Scorer*>{&scorer}, options, stop, report);
}

Summary run_owned_records(RecordFeed& feed, const Layout& layout, const std::vector<Scorer*>& scorers,
                          const PipelineOptions& options, const std::function<void(const Summary&)>& report) {
  Progress progress(report);
  OwnerSink sink;
  PipelineOptions o = options;
  o.window_pairs = SIZE_MAX;  // the server's admission bounds what is in flight
  // Every pending pair can join a batch: fairness between requests comes from their flows.
  return drive(feed, sink, layout, scorers, o, 0, nullptr, progress);
}

}  // namespace pairrm
