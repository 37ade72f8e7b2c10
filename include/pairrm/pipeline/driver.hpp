// The driver: admits records from a feed into a sink, gives each record's rounds to the scheduler
// as soon as the record reaches them, moves scored batches into their records, and hands finished
// records to the sink. It reacts to what happens (a record ready, a batch back, a stop, a failure)
// and never waits for the batches in flight as a group. On its own thread; it alone touches records.
//
// A stop (PipelineOptions::stop) ends the cutting: the batches running finish, what they complete
// is released (a stream writes every finished line in order), the rest is left to --resume. On an
// error (a device, a write, --on-error fail) the batches running finish before it propagates: when
// run() returns or throws, no worker holds a batch.
#pragma once

#include <cstddef>
#include <cstdint>

#include "pairrm/io/stop_signal.hpp"
#include "pairrm/pipeline/progress.hpp"
#include "pairrm/pipeline/record_feed.hpp"
#include "pairrm/pipeline/record_sink.hpp"
#include "pairrm/pipeline/scheduler.hpp"
#include "pairrm/text/layout.hpp"

namespace pairrm {

struct DriverLimits {
  std::size_t window_pairs;   // pending pairs at which no more records are admitted
  const StopSignal* stop;     // nullptr: none
};

class Driver {
 public:
  enum class Outcome { Complete, Stopped };
  Driver(RecordFeed& feed, RecordSink& sink, Scheduler& scheduler, const Layout& layout, DriverLimits limits,
         Progress& progress);
  Outcome run();

 private:
  enum class Intake { Full, NothingReady, Ended, Stopped };
  Outcome loop();
  Intake admit();
  bool collect();  // whether any batch came back
  void advance(Record& record);
  void drop_gone();
  bool release();  // whether any record went out
  void settle();  // no new batches; waits for the running ones and applies them
  void unqueued(const std::vector<PairJob>& jobs);
  bool stop_requested() const { return limits_.stop && limits_.stop->value(); }

  RecordFeed& feed_;
  RecordSink& sink_;
  Scheduler& scheduler_;
  const Layout& layout_;
  const DriverLimits limits_;
  Progress& progress_;
  std::uint64_t next_order_ = 0;
  bool ended_ = false;
};

}  // namespace pairrm
