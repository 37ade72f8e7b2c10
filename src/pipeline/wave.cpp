#include "pairrm/pipeline/wave.hpp"

#include <algorithm>
#include <functional>

namespace pairrm {

Wave::Wave(std::vector<PairJob> jobs, const Layout& layout)
    : jobs_(std::move(jobs)), results_(jobs_.size(), 0.0f), layout_(layout) {
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

void Wave::deliver(std::size_t begin, std::size_t end, const std::vector<float>& logits) {
  std::copy(logits.begin(), logits.begin() + static_cast<std::ptrdiff_t>(end - begin),
            results_.begin() + static_cast<std::ptrdiff_t>(begin));
}

void Wave::apply() const {
  for (std::size_t k = 0; k < jobs_.size(); ++k) {
    const PairJob& j = jobs_[k];
    j.record->logits[j.pair.first][j.pair.second] = results_[k];
    --j.record->outstanding;
  }
}

std::vector<Record*> Wave::records() const {
  std::vector<Record*> out;
  for (const PairJob& j : jobs_) out.push_back(j.record);
  // Input order; a request's records (the server's) number their lines from 1 each, so equal lines
  // are told apart by address, which keeps each record's jobs together for unique().
  std::sort(out.begin(), out.end(), [](const Record* a, const Record* b) {
    return a->line != b->line ? a->line < b->line : std::less<const Record*>()(a, b);
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<PairJob> next_jobs(Record& record, const Layout& layout) {
  std::vector<PairJob> jobs;
  const Encoded& e = *record.encoded;
  for (const PairRequest& p : record.task.planner->next_round(record.logits)) {
    const std::size_t len =
        layout.pair_length(e.source_part.size(), e.candidate_pieces[p.first]->size(), e.candidate_pieces[p.second]->size());
    jobs.push_back({&record, record.encoded, p, len});
  }
  record.outstanding = jobs.size();
  return jobs;
}

}  // namespace pairrm
