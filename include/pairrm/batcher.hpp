// Cutting length-sorted pair jobs into batches under a token budget counted with padding.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace pairrm {

struct BatchLimits {
  std::size_t max_tokens = 16384;  // rows x longest row, padding included
  std::size_t max_pairs = 256;
};

// `lengths` must be sorted in decreasing order. Returns [begin, end) ranges covering all items in
// order; each batch satisfies both limits, except that an item longer than max_tokens alone gets
// a batch of its own.
std::vector<std::pair<std::size_t, std::size_t>> cut_batches(const std::vector<std::size_t>& lengths,
                                                             const BatchLimits& limits);

}  // namespace pairrm
