// A record's pairs as jobs for the scheduler, and a batch of them as a device's Work.
//
// A batch owns what its worker reads and writes: each job keeps its record's encoding alive, and
// logits land in the batch's own result slots (one per row). Only the driver, once the batch is
// back, moves the logits into the records (apply()); a worker never touches a record.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "pairrm/pipeline/record.hpp"
#include "pairrm/runtime/device_workers.hpp"
#include "pairrm/text/layout.hpp"

namespace pairrm {

struct PairJob {
  Record* record;                          // for apply(), on the driving thread only
  std::shared_ptr<const Encoded> encoded;  // what build() reads, on a worker
  PairRequest pair;
  std::size_t length;  // ids in the laid-out pair
};

class PairBatch : public Work {
 public:
  PairBatch(std::vector<PairJob> jobs, const Layout& layout);
  std::size_t rows() const override { return jobs_.size(); }
  Batch build(std::size_t begin, std::size_t end) const override;
  void set(std::size_t begin, const std::vector<float>& logits) override;
  // Every row's logit into its record's matrix cell, one fewer pair outstanding for the record.
  // Driving thread.
  void apply() const;
  const std::vector<PairJob>& jobs() const { return jobs_; }

 private:
  std::vector<PairJob> jobs_;
  std::vector<float> results_;  // one slot per row
  const Layout& layout_;        // the run's, which outlives every batch
};

// The next round of a record's planner as jobs (none when the record is complete); adds them to the
// record's outstanding count.
std::vector<PairJob> next_jobs(Record& record, const Layout& layout);

}  // namespace pairrm
