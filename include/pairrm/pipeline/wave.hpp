// The batch scheduler: the pending pairs of every record in the window, sorted by length (longest
// first; equal lengths keep their arrival order, so batches are reproducible) and cut into batches
// under the token and pair budgets. Rounds of bubble and knockout records share a wave with newly
// read records, so batches stay full. Rows are built from the records' encoded parts on demand.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "pairrm/pipeline/record.hpp"
#include "pairrm/runtime/device_pool.hpp"
#include "pairrm/schedule/batcher.hpp"
#include "pairrm/text/layout.hpp"

namespace pairrm {

struct PairJob {
  Record* record;
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
  // The records that had pairs in this wave, in input order.
  std::vector<Record*> records() const;

 private:
  std::vector<PairJob> jobs_;
  const Layout& layout_;
};

// The next round of a record's planner as jobs (none when the record is complete).
std::vector<PairJob> next_jobs(Record& record, const Layout& layout);

}  // namespace pairrm
