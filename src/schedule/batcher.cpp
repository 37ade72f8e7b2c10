#include "pairrm/schedule/batcher.hpp"

#include <algorithm>

namespace pairrm {

std::size_t padded_length(std::size_t length) {
  const std::size_t step = length <= 256 ? 16 : length <= 1024 ? 32 : 64;
  return (length + step - 1) / step * step;
}

std::vector<std::pair<std::size_t, std::size_t>> cut_batches(const std::vector<std::size_t>& lengths,
                                                             const BatchLimits& limits) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  const std::size_t max_pairs = std::max<std::size_t>(limits.max_pairs, 1);
  std::size_t begin = 0;
  while (begin < lengths.size()) {
    // Sorted longest first, so the first row sets the padded length of the batch.
    const std::size_t padded = std::max<std::size_t>(padded_length(lengths[begin]), 1);
    const std::size_t fit = std::max<std::size_t>(limits.max_tokens / padded, 1);
    std::size_t end = std::min(lengths.size(), begin + std::min(fit, max_pairs));
    for (std::size_t k = begin + 1; k < end; ++k) {
      if (padded_length(lengths[k]) != padded) {
        end = k;
        break;
      }
    }
    out.emplace_back(begin, end);
    begin = end;
  }
  return out;
}

}  // namespace pairrm
