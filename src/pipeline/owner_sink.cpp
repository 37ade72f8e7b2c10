#include "pairrm/pipeline/owner_sink.hpp"

namespace pairrm {

Record& OwnerSink::hold(std::unique_ptr<Record> record) {
  auto [it, added] = flows_.try_emplace(record->owner.get(), Flow{next_flow_});
  if (added) ++next_flow_;
  ++it->second.records;
  record->flow = it->second.number;
  records_.push_back(std::move(record));
  return *records_.back();
}

std::vector<std::uint64_t> OwnerSink::gone_flows() {
  std::vector<std::uint64_t> out;
  for (auto& [owner, flow] : flows_) {
    // Each owner is asked once a call: it may give up (on another thread) while this runs.
    if (!flow.gone && owner->cancelled()) {
      flow.gone = true;
      out.push_back(flow.number);
    }
  }
  return out;
}

void OwnerSink::let_go(std::list<std::unique_ptr<Record>>::iterator it) {
  auto flow = flows_.find((*it)->owner.get());
  if (--flow->second.records == 0) flows_.erase(flow);
  records_.erase(it);
}

RecordSink::Released OwnerSink::release() {
  Released out;
  for (auto it = records_.begin(); it != records_.end();) {
    Record& r = **it;
    const auto next = std::next(it);
    if (r.done && !flows_.at(r.owner.get()).gone) {
      ++out.lines;
      out.errors += r.error.has_value();
      out.bytes += r.raw.size() + 1;
      out.pairs += r.scored;
      r.owner->deliver(r.slot, std::move(r.output), r.error.has_value(), r.scored);
      let_go(it);
    } else if (flows_.at(r.owner.get()).gone && r.outstanding == 0) {
      let_go(it);  // nobody waits for it, and no batch holds a pair of it
    }
    it = next;
  }
  return out;
}

}  // namespace pairrm
