#include "pairrm/pipeline/wave.hpp"

#include <algorithm>

namespace pairrm {

Wave::Wave(std::vector<PairJob> jobs, const Layout& layout) : jobs_(std::move(jobs)), layout_(layout) {
  std::stable_sort(jobs_.begin(), jobs_.end(), [](const PairJob& a, const PairJob& b) { return a.length > b.length; });
}

std::vector<std::pair<std::size_t, std::size_t>> Wave::cut(const BatchLimits& limits) const {
  std::vector<std::size_t> lengths(jobs_.size());
  std::transform(jobs_.begin(), jobs_.end(), lengths.begin(), [](const PairJob& j) { return j.length; });
  return cut_batches(lengths, limits);
}

Batch Wave::build(std::size_t begin, std::size_t end) const {
  Batch batch;
  batch.rows = static_cast<int64_t>(end - begin);
  batch.length = static_cast<int64_t>(padded_length(jobs_[begin].length));
  batch.ids.reserve(static_cast<std::size_t>(batch.rows * batch.length));
  batch.mask.reserve(static_cast<std::size_t>(batch.rows * batch.length));
  for (std::size_t k = begin; k < end; ++k) {
    const PairJob& j = jobs_[k];
    const Record& r = *j.record;
    const std::size_t row_start = batch.ids.size();
    auto markers = layout_.build(r.source_part, *r.candidate_pieces[j.pair.first], *r.candidate_pieces[j.pair.second], batch.ids);
    const std::size_t used = batch.ids.size() - row_start;
    batch.ids.resize(row_start + static_cast<std::size_t>(batch.length), layout_.tokens().pad);
    batch.mask.insert(batch.mask.end(), used, 1);
    batch.mask.insert(batch.mask.end(), static_cast<std::size_t>(batch.length) - used, 0);
    batch.markers.insert(batch.markers.end(), markers.begin(), markers.end());
  }
  return batch;
}

void Wave::deliver(std::size_t begin, std::size_t end, const std::vector<float>& logits) {
  // Every pair owns its matrix cell, so workers delivering disjoint rows never write the same memory.
  for (std::size_t k = begin; k < end; ++k) {
    const PairJob& j = jobs_[k];
    j.record->logits[j.pair.first][j.pair.second] = logits[k - begin];
  }
}

std::vector<Record*> Wave::records() const {
  std::vector<Record*> out;
  for (const PairJob& j : jobs_) out.push_back(j.record);
  std::sort(out.begin(), out.end(), [](const Record* a, const Record* b) { return a->line < b->line; });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<PairJob> next_jobs(Record& record, const Layout& layout) {
  std::vector<PairJob> jobs;
  for (const PairRequest& p : record.task.planner->next_round(record.logits)) {
    const std::size_t len = layout.pair_length(record.source_part.size(), record.candidate_pieces[p.first]->size(),
                                               record.candidate_pieces[p.second]->size());
    jobs.push_back({&record, p, len});
  }
  return jobs;
}

}  // namespace pairrm
