// The pipeline's parts alone: the record window, the reading stage, the wave (batch scheduler).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <sstream>
#include <thread>

#include "helpers.hpp"
#include "pairrm/pipeline/record_source.hpp"
#include "pairrm/pipeline/wave.hpp"
#include "pairrm/tasks/compare.hpp"

using namespace pairrm;

// Reads the real DeBERTa-v3 spm.model: skipped, with the reason, where there is none (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("vocab");

namespace {
const Tokenizer& tokenizer() {
  static Tokenizer t(test::read_file(PAIRRM_SPM_MODEL));
  return t;
}
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

TEST_CASE("wave: longest pairs first, batches under the budget, logits into the right cells") {
  const Recipe recipe = pairrm_recipe();
  const Layout layout(recipe, SpecialTokens{});
  std::vector<std::unique_ptr<Record>> records;
  std::vector<PairJob> jobs;
  for (int i = 0; i < 3; ++i) {
    auto r = std::make_unique<Record>();
    r->line = static_cast<std::size_t>(i + 1);
    auto e = std::make_shared<Encoded>();
    e->source_part = layout.source_part(TokenIds(static_cast<std::size_t>(10 * (i + 1)), 500));
    e->distinct.push_back(std::make_unique<TokenIds>(TokenIds(5, 600)));
    e->distinct.push_back(std::make_unique<TokenIds>(TokenIds(7, 601)));
    e->candidate_pieces = {e->distinct[0].get(), e->distinct[1].get()};
    r->encoded = e;
    r->task.planner = make_full_planner(2);
    r->logits = nan_matrix(2);
    auto next = next_jobs(*r, layout);
    CHECK(next.size() == 2);
    jobs.insert(jobs.end(), next.begin(), next.end());
    records.push_back(std::move(r));
  }
  Wave wave(jobs, layout);
  const auto ranges = wave.cut(BatchLimits{64, 256});
  std::size_t covered = 0;
  for (auto [b, e] : ranges) {
    const Batch batch = wave.build(b, e);
    CHECK(static_cast<std::size_t>(batch.rows * batch.length) <= 64 + static_cast<std::size_t>(batch.length));
    std::vector<float> logits;
    for (std::size_t k = b; k < e; ++k) logits.push_back(static_cast<float>(k));
    wave.deliver(b, e, logits);
    covered += e - b;
  }
  CHECK(covered == 6);
  CHECK(std::isnan(records[2]->logits[0][1]));  // nothing reaches a record before apply()
  wave.apply();
  // Longest record (line 3) first, its pairs in arrival order; each cell got exactly its own row.
  CHECK(records[2]->logits[0][1] == 0);
  CHECK(records[2]->logits[1][0] == 1);
  CHECK(records[1]->logits[0][1] == 2);
  CHECK(records[1]->logits[1][0] == 3);
  CHECK(records[0]->logits[0][1] == 4);
  CHECK(records[0]->logits[1][0] == 5);
  CHECK(wave.records().front()->line == 1);
}

TEST_SUITE_END();
