#include "pairrm/pipeline/pair_batch.hpp"

#include <algorithm>

#include "pairrm/schedule/batcher.hpp"

namespace pairrm {

PairBatch::PairBatch(std::vector<PairJob> jobs, const Layout& layout)
    : jobs_(std::move(jobs)), results_(jobs_.size(), 0.0f), layout_(layout) {}

Batch PairBatch::build(std::size_t begin, std::size_t end) const {
  Batch batch;
  batch.rows = static_cast<int64_t>(end - begin);
  std::size_t longest = 0;
  for (std::size_t k = begin; k < end; ++k) longest = std::max(longest, jobs_[k].length);
  // The scheduler cuts batches of one padded length, so this is every row's own padded length.
  batch.length = static_cast<int64_t>(padded_length(longest));
  batch.ids.reserve(static_cast<std::size_t>(batch.rows * batch.length));
  batch.mask.reserve(static_cast<std::size_t>(batch.rows * batch.length));
  for (std::size_t k = begin; k < end; ++k) {
    const PairJob& j = jobs_[k];
    const Encoded& e = *j.encoded;
    const std::size_t row_start = batch.ids.size();
    auto markers = layout_.build(e.source_part, *e.candidate_pieces[j.pair.first], *e.candidate_pieces[j.pair.second], batch.ids);
    const std::size_t used = batch.ids.size() - row_start;
    batch.ids.resize(row_start + static_cast<std::size_t>(batch.length), layout_.tokens().pad);
    batch.mask.insert(batch.mask.end(), used, 1);
    batch.mask.insert(batch.mask.end(), static_cast<std::size_t>(batch.length) - used, 0);
    batch.markers.insert(batch.markers.end(), markers.begin(), markers.end());
  }
  return batch;
}

void PairBatch::set(std::size_t begin, const std::vector<float>& logits) {
  std::copy(logits.begin(), logits.end(), results_.begin() + static_cast<std::ptrdiff_t>(begin));
}

void PairBatch::apply() const {
  for (std::size_t k = 0; k < jobs_.size(); ++k) {
    const PairJob& j = jobs_[k];
    j.record->logits[j.pair.first][j.pair.second] = results_[k];
    --j.record->outstanding;
    ++j.record->scored;
  }
}

std::vector<PairJob> next_jobs(Record& record, const Layout& layout) {
  std::vector<PairJob> jobs;
  const Encoded& e = *record.encoded;
  for (const PairRequest& p : record.task.planner->next_round(record.logits)) {
    const std::size_t len =
        layout.pair_length(e.source_part.size(), e.candidate_pieces[p.first]->size(), e.candidate_pieces[p.second]->size());
    jobs.push_back({&record, record.encoded, p, len});
  }
  record.outstanding += jobs.size();
  return jobs;
}

}  // namespace pairrm
