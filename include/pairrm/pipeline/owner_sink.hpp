// The server's records: each belongs to a request (its owner, record.hpp) and goes to it as soon as
// it is done, whatever its place. Each request is a flow of its own, so the scheduler shares the
// devices between requests, not between records (schedule/pair_queue.hpp). A request whose client
// has gone is no longer wanted: its pending pairs are dropped, and its records are let go once no
// batch holds a pair of theirs.
#pragma once

#include <cstdint>
#include <list>
#include <map>

#include "pairrm/pipeline/record_sink.hpp"

namespace pairrm {

class OwnerSink : public RecordSink {
 public:
  bool has_room() const override { return true; }  // the server's admission bounds what is in flight
  Record& hold(std::unique_ptr<Record> record) override;
  RecordHandler& handler(const Record& record) override { return record.owner->handler(); }
  bool wanted(const Record& record) const override { return !record.owner->cancelled(); }
  std::vector<std::uint64_t> gone_flows() override;
  Released release() override;
  bool empty() const override { return records_.empty(); }

 private:
  struct Flow {
    std::uint64_t number;
    std::size_t records = 0;  // held here
    bool gone = false;        // reported by gone_flows()
  };
  void let_go(std::list<std::unique_ptr<Record>>::iterator it);

  std::list<std::unique_ptr<Record>> records_;  // in no order
  std::map<const RecordOwner*, Flow> flows_;    // the requests with records here
  std::uint64_t next_flow_ = 1;                 // 0 is a stream's
};

}  // namespace pairrm
