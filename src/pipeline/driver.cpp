#include "pairrm/pipeline/driver.hpp"

#include <chrono>

namespace pairrm {

namespace {
// A signal handler cannot notify a condition variable: a stop is seen within this long.
constexpr std::chrono::milliseconds kStopPoll{50};
}  // namespace

Driver::Driver(RecordFeed& feed, RecordSink& sink, Scheduler& scheduler, const Layout& layout, DriverLimits limits,
               Progress& progress)
    : feed_(feed), sink_(sink), scheduler_(scheduler), layout_(layout), limits_(limits), progress_(progress) {}

Driver::Outcome Driver::run() {
  try {
    return loop();
  } catch (...) {
    settle();
    throw;
  }
}

Driver::Outcome Driver::loop() {
  while (true) {
    const std::uint64_t admitted = next_order_;
    const Intake intake = admit();
    // Something moved (a record came in, a batch came back, lines went out): look again at once,
    // since that may have made room for records already waiting in the feed.
    bool moved = next_order_ != admitted;
    moved |= collect();
    drop_gone();
    moved |= release();
    if (auto failure = scheduler_.failure()) {
      settle();
      std::rethrow_exception(failure);
    }
    if (intake == Intake::Stopped || stop_requested()) {
      settle();
      release();
      return Outcome::Stopped;
    }
    if (intake == Intake::Ended && sink_.empty()) return Outcome::Complete;
    if (!moved) scheduler_.wait(kStopPoll);  // until a batch is back, a record is ready, or the stop poll
  }
}

Driver::Intake Driver::admit() {
  while (true) {
    if (ended_) return Intake::Ended;
    if (!sink_.has_room() || scheduler_.pending() >= limits_.window_pairs) return Intake::Full;
    auto next = feed_.next(RecordFeed::Wait::No);
    switch (next.state) {
      case RecordFeed::State::Record: {
        progress_.update([&](Summary& s) {
          ++s.records;
          s.errors += next.record->error.has_value();
        });
        next.record->order = next_order_++;
        Record& r = sink_.hold(std::move(next.record));
        if (!r.done) advance(r);
        break;
      }
      case RecordFeed::State::NotYet: return Intake::NothingReady;
      case RecordFeed::State::Ended: ended_ = true; return Intake::Ended;
      case RecordFeed::State::Stopped: return Intake::Stopped;
    }
  }
}

// The record's next round to the scheduler, or (no more rounds) its output.
void Driver::advance(Record& r) {
  auto jobs = next_jobs(r, layout_);
  if (jobs.empty()) {
    r.output = sink_.handler(r).finish(r.raw, r.task, r.logits);
    r.done = true;
    return;
  }
  unqueued(scheduler_.add(std::move(jobs)));
}

void Driver::unqueued(const std::vector<PairJob>& jobs) {
  for (const PairJob& j : jobs) {
    --j.record->outstanding;
    j.record->cut_short = true;
  }
}

bool Driver::collect() {
  const auto scored = scheduler_.take_scored();
  for (const auto& batch : scored) {
    batch->apply();
    for (const PairJob& j : batch->jobs()) {
      Record& r = *j.record;
      // Its round is complete (a record's pairs may come back in several batches).
      if (r.outstanding == 0 && !r.done && !r.cut_short && sink_.wanted(r)) advance(r);
    }
  }
  return !scored.empty();
}

void Driver::drop_gone() {
  for (const std::uint64_t flow : sink_.gone_flows()) unqueued(scheduler_.remove_flow(flow));
}

bool Driver::release() {
  const auto r = sink_.release();
  if (r.lines == 0) return false;
  progress_.update([&](Summary& s) {
    s.written += r.lines;
    s.written_errors += r.errors;
    s.bytes_written += r.bytes;
    s.pairs_written += r.pairs;
  });
  return true;
}

void Driver::settle() {
  unqueued(scheduler_.stop());
  while (scheduler_.running() > 0) {
    scheduler_.wait(kStopPoll);
    collect();
  }
  collect();
}

}  // namespace pairrm
