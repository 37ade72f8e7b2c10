#include "pairrm/schedule/pair_queue.hpp"

#include <algorithm>
#include <limits>
#include <tuple>

namespace pairrm {

std::uint64_t PairQueue::least_service() const {
  std::uint64_t least = std::numeric_limits<std::uint64_t>::max();
  for (const auto& [number, flow] : flows_) least = std::min(least, flow.service);
  return flows_.empty() ? 0 : least;
}

void PairQueue::add(const QueuedPair& pair) {
  auto it = flows_.find(pair.flow);
  if (it == flows_.end()) {
    const std::uint64_t start = least_service();  // before this flow counts among them
    it = flows_.emplace(pair.flow, Flow{}).first;
    it->second.service = start;
  }
  Flow& f = it->second;
  const Key key{pair.order, pair.id};
  f.by_order.emplace(key, pair.padded);
  f.by_length[pair.padded].insert(key);
  f.pending_tokens += pair.padded;
  ++size_;
}

PairQueue::Key PairQueue::horizon_end(const Flow& flow, std::size_t horizon_tokens) {
  const Key none{std::numeric_limits<std::uint64_t>::max(), std::numeric_limits<std::size_t>::max()};
  if (horizon_tokens == 0) return none;
  std::size_t tokens = 0;
  for (const auto& [key, padded] : flow.by_order) {
    // The oldest pair is always a candidate, however long.
    if (tokens > 0 && tokens + padded > horizon_tokens) return key;
    tokens += padded;
  }
  return none;
}

std::vector<std::size_t> PairQueue::cut(const BatchLimits& limits, std::size_t horizon_tokens) {
  std::vector<std::size_t> taken;
  if (flows_.empty()) return taken;
  // Flows in the order they are served: least service, then fewer tokens pending, then older.
  std::vector<std::map<std::uint64_t, Flow>::iterator> order;
  for (auto it = flows_.begin(); it != flows_.end(); ++it) order.push_back(it);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return std::tie(a->second.service, a->second.pending_tokens, a->first) <
           std::tie(b->second.service, b->second.pending_tokens, b->first);
  });
  const std::size_t padded = order.front()->second.by_order.begin()->second;  // the lead pair's
  const std::size_t rows =
      std::clamp<std::size_t>(limits.max_tokens / std::max<std::size_t>(padded, 1), 1, std::max<std::size_t>(limits.max_pairs, 1));
  for (auto& it : order) {
    if (taken.size() >= rows) break;
    Flow& f = it->second;
    auto bucket = f.by_length.find(padded);
    if (bucket == f.by_length.end()) continue;
    const Key end = horizon_end(f, horizon_tokens);
    std::size_t from_flow = 0;
    for (auto k = bucket->second.begin(); k != bucket->second.end() && taken.size() < rows && *k < end;) {
      taken.push_back(k->second);
      f.by_order.erase(*k);
      k = bucket->second.erase(k);
      ++from_flow;
    }
    if (bucket->second.empty()) f.by_length.erase(bucket);
    f.service += from_flow * padded;
    f.pending_tokens -= from_flow * padded;
    size_ -= from_flow;
    if (f.by_order.empty()) flows_.erase(it);
  }
  return taken;
}

std::vector<std::size_t> PairQueue::remove_flow(std::uint64_t flow) {
  std::vector<std::size_t> ids;
  auto it = flows_.find(flow);
  if (it == flows_.end()) return ids;
  for (const auto& [key, padded] : it->second.by_order) ids.push_back(key.second);
  size_ -= ids.size();
  flows_.erase(it);
  return ids;
}

}  // namespace pairrm
