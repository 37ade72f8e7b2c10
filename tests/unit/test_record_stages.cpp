// The pipeline's parts alone: the record window, the reading stage, the scheduler.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <sstream>
#include <thread>

#include "helpers.hpp"
#include "pipeline_fixtures.hpp"
#include "pairrm/pipeline/record_source.hpp"
#include "pairrm/pipeline/scheduler.hpp"
#include "pairrm/schedule/batcher.hpp"
#include "pairrm/tasks/compare.hpp"

using namespace pairrm;

namespace {
using test::tokenizer;  // a vocabulary trained in memory (pipeline_fixtures.hpp)
Recipe pairrm_recipe() {
  Recipe r;
  r.name = "pairrm";
  return r;
}
// Counts the tasks made: how far the reading stage has got, read safely from another thread.
class CountingHandler : public CompareHandler {
 public:
  CountingHandler() : CompareHandler(CompareOptions{}) {}
  Result<Task> make_task(const JsonObject& object) override {
    ++made;
    return CompareHandler::make_task(object);
  }
  std::atomic<int> made{0};
};
std::unique_ptr<Record> record(std::size_t line, bool done) {
  auto r = std::make_unique<Record>();
  r->line = line;
  r->output = std::to_string(line);
  r->done = done;
  return r;
}
}  // namespace

TEST_CASE("record window: leaves in input order; an unfinished record holds back the rest") {
  RecordWindow w(3);
  Record& first = w.push(record(1, false));
  w.push(record(2, true));
  w.push(record(3, true));
  CHECK(w.full());
  std::string written;
  CHECK(w.drain([&](const Record& r) { written += r.output; }) == 0);
  first.done = true;
  CHECK(w.drain([&](const Record& r) { written += r.output; }) == 3);
  CHECK(written == "123");
  CHECK(w.empty());
}

TEST_CASE("reading stage: records in input order, bad lines as finished error records, bounded read-ahead") {
  std::string input;
  for (int i = 0; i < 40; ++i) input += i == 5 ? "not json\n" : R"({"prompt":"p","a":"x y","b":"z"})" "\n";
  std::istringstream in(input);
  JsonlReader reader(in);
  CountingHandler handler;
  const Recipe recipe = pairrm_recipe();
  const TextEncoder encoder(tokenizer(), recipe);
  const Layout layout(recipe, SpecialTokens{});
  RecordSource source(reader, handler, encoder, layout, 4, false);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(handler.made <= 5);  // at most `capacity` records ahead (4 queued + 1 being made)
  std::size_t expected = 1;
  RecordSource::Next next;
  while ((next = source.next(RecordSource::Wait::ForRecord)).state == RecordSource::State::Record) {
    const auto& r = next.record;
    CHECK(r->line == expected++);
    if (r->line == 6) {
      CHECK(r->done);
      CHECK(r->error.has_value());
    } else {
      CHECK_FALSE(r->done);
      CHECK(r->encoded->candidate_pieces.size() == 2);
      CHECK(*r->encoded->candidate_pieces[0] == tokenizer().encode("x y"));
    }
  }
  CHECK(next.state == RecordSource::State::Ended);
  CHECK(expected == 41);
}

TEST_CASE("reading stage with --on-error fail: nothing is read after the first bad line") {
  std::istringstream in("{\"prompt\":\"p\",\"a\":\"1\",\"b\":\"2\"}\n{\"prompt\":\"p\"}\n{\"prompt\":\"p\",\"a\":\"1\",\"b\":\"2\"}\n");
  JsonlReader reader(in);
  CompareHandler handler(CompareOptions{});
  const Recipe recipe = pairrm_recipe();
  const TextEncoder encoder(tokenizer(), recipe);
  const Layout layout(recipe, SpecialTokens{});
  RecordSource source(reader, handler, encoder, layout, 8, true);
  CHECK(source.next(RecordSource::Wait::ForRecord).record->line == 1);
  auto bad = source.next(RecordSource::Wait::ForRecord);
  CHECK(bad.record->error->field == "a");
  CHECK(source.next(RecordSource::Wait::ForRecord).state == RecordSource::State::Ended);
  CHECK(reader.line() == 2);
}

TEST_CASE("scheduler: a free device takes the oldest record's pairs and their padded length; logits into their cells") {
  const Recipe recipe = pairrm_recipe();
  const Layout layout(recipe, SpecialTokens{});
  std::vector<std::unique_ptr<Record>> records;
  Scheduler scheduler(layout, BatchLimits{1u << 20, 256}, 0, 1);
  // Records of 50, 20 and 51 source ids (admitted in that order): the first and the last share a
  // padded length, the middle one does not.
  const int sources[] = {50, 20, 51};
  for (int i = 0; i < 3; ++i) {
    auto r = std::make_unique<Record>();
    r->line = static_cast<std::size_t>(i + 1);
    r->order = static_cast<std::uint64_t>(i);
    auto e = std::make_shared<Encoded>();
    e->source_part = layout.source_part(TokenIds(static_cast<std::size_t>(sources[i]), 500));
    e->distinct.push_back(std::make_unique<TokenIds>(TokenIds(5, 600)));
    e->distinct.push_back(std::make_unique<TokenIds>(TokenIds(7, 601)));
    e->candidate_pieces = {e->distinct[0].get(), e->distinct[1].get()};
    r->encoded = e;
    r->task.planner = make_full_planner(2);
    r->logits = nan_matrix(2);
    auto jobs = next_jobs(*r, layout);
    CHECK(jobs.size() == 2);
    CHECK(r->outstanding == 2);
    REQUIRE(scheduler.add(std::move(jobs)).empty());
    records.push_back(std::move(r));
  }
  const auto padded = [&](const Record& r) { return padded_length(layout.pair_length(r.encoded->source_part.size(), 5, 7)); };
  REQUIRE(padded(*records[0]) == padded(*records[2]));
  REQUIRE(padded(*records[0]) != padded(*records[1]));
  CHECK(scheduler.pending() == 6);

  auto first = scheduler.take();  // the oldest record's length: records 1 and 3, oldest first
  REQUIRE(first);
  REQUIRE(first->rows() == 4);
  const Batch batch = first->build(0, 4);
  CHECK(static_cast<std::size_t>(batch.length) == padded(*records[0]));
  CHECK(scheduler.pending() == 2);
  CHECK(scheduler.running() == 1);
  first->set(0, {0, 1, 2, 3});
  CHECK(std::isnan(records[0]->logits[0][1]));  // nothing reaches a record before the driver applies it
  scheduler.done(std::move(first), BatchDone{});
  auto second = scheduler.take();
  REQUIRE(second);
  CHECK(second->rows() == 2);
  second->set(0, {4, 5});
  scheduler.done(std::move(second), BatchDone{});
  CHECK(scheduler.running() == 0);
  for (const auto& b : scheduler.take_scored()) b->apply();
  // Each cell got exactly its own row: record 1's pairs in the planner's order, then record 3's.
  CHECK(records[0]->logits[0][1] == 0);
  CHECK(records[0]->logits[1][0] == 1);
  CHECK(records[2]->logits[0][1] == 2);
  CHECK(records[2]->logits[1][0] == 3);
  CHECK(records[1]->logits[0][1] == 4);
  CHECK(records[1]->logits[1][0] == 5);
  for (const auto& r : records) {
    CHECK(r->outstanding == 0);
    CHECK(r->scored == 2);
  }
  // Once stopped, nothing is cut and nothing queued: the pairs come back unscored.
  CHECK(scheduler.stop().empty());
  CHECK(scheduler.take() == nullptr);
  auto late = next_jobs(*records[0], layout);  // a full planner is done: no more pairs
  CHECK(late.empty());
}

