// The batch scheduler: the pending pairs of every record in the window, sorted by length (longest
// first; equal lengths keep their arrival order) and cut into batches under the token and pair
// budgets. Rounds of bubble and knockout records share a wave with newly read records, so batches
// stay full. Rows are built from the records' encodings on demand.
//
// A wave owns what its batches read and write: each job keeps its record's encoding alive, and
// logits land in the wave's own result slots (one per row). The device pool keeps the wave alive
// while any batch of it is queued or running; only apply(), on the driving thread after every batch
// is back, touches the records.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "pairrm/pipeline/record.hpp"
#include "pairrm/runtime/device_pool.hpp"
#include "pairrm/schedule/batcher.hpp"
#include "pairrm/text/layout.hpp"

namespace pairrm {

struct PairJob {
  Record* record;                          // for apply(), on the driving thread only
  std::shared_ptr<const Encoded> encoded;  // what build() reads, on the workers
  PairRequest pair;
  std::size_t length;  // ids in the laid-out pair
};

class Wave : public WorkSet {
 public:
  Wave(std::vector<PairJob> jobs, const Layout& layout);
  std::size_t size() const { return jobs_.size(); }
  // [begin, end) row ranges, one per batch.
  std::vector<std::pair<std::size_t, std::size_t>> cut(const BatchLimits& limits) const;
  Batch build(std::size_t begin, std::size_t end) const override;
  void deliver(std::size_t begin, std::size_t end, const std::vector<float>& logits) override;
  // Every row's logit into its record's matrix cell (and one fewer outstanding for the record).
  // Driving thread, after every batch is back.
  void apply() const;
  // The records that had pairs in this wave, in input order.
  std::vector<Record*> records() const;

 private:
  std::vector<PairJob> jobs_;
  std::vector<float> results_;  // one slot per row; workers write disjoint rows
  const Layout& layout_;        // the run's, which outlives the device pool
};

// The next round of a record's planner as jobs (none when the record is complete); sets the
// record's outstanding count.
std::vector<PairJob> next_jobs(Record& record, const Layout& layout);

}  // namespace pairrm
