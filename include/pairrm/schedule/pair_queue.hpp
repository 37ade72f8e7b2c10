// The pairs waiting for a device, and which of them the next batch takes. A batch is cut whenever a
// device frees (pipeline/scheduler.hpp), from what is pending at that moment; nothing waits for a
// round or a wave to end.
//
// Pairs belong to flows: the lines of one output stream are one flow; each server request is a flow
// of its own. A cut:
//   1. picks the lead flow: the least served one (padded tokens taken so far) among those with
//      pairs pending; ties go to the one with fewer tokens pending (a small request goes first),
//      then to the older flow;
//   2. takes the lead flow's oldest pair (oldest record first, then the planner's order): its
//      padded length is the batch's, since a batch holds pairs of one padded length (batcher.hpp);
//   3. fills the batch with pending pairs of that padded length, the lead flow's first and then the
//      other flows' in the same order, each flow's oldest first, up to the budgets. With a horizon,
//      only a flow's oldest pending pairs, up to that many padded tokens, can be taken: the pairs
//      scored are those of the oldest records, so in-order output flows and a stop leaves little
//      scored work unwritten.
// A flow that had nothing pending (new, or between two rounds) starts at the least service among the
// flows that have pairs pending: waiting earns no credit, and a new request neither waits behind
// the others' backlog nor takes the device from them. Not thread-safe: the scheduler guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "pairrm/schedule/batcher.hpp"

namespace pairrm {

struct QueuedPair {
  std::uint64_t flow = 0;
  std::uint64_t order = 0;  // the record's admission number: lower is older
  std::size_t padded = 0;   // the pair's padded length (padded_length())
  std::size_t id = 0;       // the caller's handle, unique among pending pairs
};

class PairQueue {
 public:
  void add(const QueuedPair& pair);
  // The next batch (ids, in the order taken: the lead pair first); empty when nothing is pending.
  // horizon_tokens 0: every pending pair can be taken.
  std::vector<std::size_t> cut(const BatchLimits& limits, std::size_t horizon_tokens);
  // Removes a flow's pending pairs (their ids returned).
  std::vector<std::size_t> remove_flow(std::uint64_t flow);
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  using Key = std::pair<std::uint64_t, std::size_t>;  // (order, id): oldest first
  struct Flow {
    std::uint64_t service = 0;      // padded tokens taken
    std::size_t pending_tokens = 0;
    std::map<Key, std::size_t> by_order;                // key -> padded length
    std::map<std::size_t, std::set<Key>> by_length;     // padded length -> keys
  };
  // The flow's candidates end before this key (horizon); an end key when there is no horizon.
  static Key horizon_end(const Flow& flow, std::size_t horizon_tokens);
  std::uint64_t least_service() const;

  std::map<std::uint64_t, Flow> flows_;  // flows with pairs pending, by flow number (older first)
  std::size_t size_ = 0;
};

}  // namespace pairrm
