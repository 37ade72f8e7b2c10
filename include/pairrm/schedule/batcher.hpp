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

// The length a pair of `length` ids is padded to: a function of the pair alone (multiples of 16 up to
// 256, of 32 up to 1024, then of 64; at most ~6% padding). Every batch holds pairs of one padded
// length, so a pair is always computed at the same shape, whatever else is in the input: on the
// CPU its logit is then bit-identical across batch sizes and windows (tests/python/test_e2e.py).
std::size_t padded_length(std::size_t length);

// `lengths` must be sorted in decreasing order. Returns [begin, end) ranges covering all items in
// order; a batch never mixes padded lengths and satisfies both limits (rows x padded length), except
// that an item longer than max_tokens alone gets a batch of its own.
std::vector<std::pair<std::size_t, std::size_t>> cut_batches(const std::vector<std::size_t>& lengths,
                                                             const BatchLimits& limits);

}  // namespace pairrm
