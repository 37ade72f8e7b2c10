#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "helpers.hpp"
#include "pipeline_fixtures.hpp"
#include "pairrm/tasks/compare.hpp"
#include "pairrm/pipeline/pipeline.hpp"
#include "pairrm/tasks/rank.hpp"

using namespace pairrm;
using pairrm::test::FakeScorer;
using pairrm::test::encoder;
using pairrm::test::recipe;


namespace {

std::string run(const std::string& input, RecordHandler& h, PipelineOptions o, FakeScorer& scorer, Summary* sum = nullptr) {
  std::istringstream in(input);
  std::ostringstream out;
  JsonlReader reader(in);
  Layout layout(recipe(), SpecialTokens{});
  Summary s = run_pipeline(reader, out, h, encoder(), layout, scorer, o);
  if (sum) *sum = s;
  return out.str();
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string corpus() {
  // Lengths shuffled on purpose: long and short records alternate.
  std::string input;
  for (int i = 0; i < 30; ++i) {
    std::string long_text(static_cast<std::size_t>((i * 37) % 300 + 1), 'a' + i % 26);
    input += R"({"id":)" + std::to_string(i) + R"(,"prompt":"q)" + std::to_string(i) + R"(","candidates":[")" + long_text +
             R"(","short )" + std::to_string(i) + R"(","x y z )" + std::to_string(i * i) + R"("]})" + "\n";
  }
  return input;
}

}  // namespace

TEST_CASE("output order equals input order; results do not depend on batch size or window") {
  RankOptions ro;
  ro.matrix = true;
  RankHandler h(ro);
  FakeScorer a, b, c;
  PipelineOptions tiny;
  tiny.limits = {1, 1};
  tiny.window_records = 1;
  PipelineOptions huge;
  huge.limits = {1u << 30, 1u << 20};
  PipelineOptions mid;
  mid.limits = {300, 7};
  mid.window_records = 4;
  const std::string out_tiny = run(corpus(), h, tiny, a);
  CHECK(out_tiny == run(corpus(), h, huge, b));
  CHECK(out_tiny == run(corpus(), h, mid, c));
  auto ls = lines(out_tiny);
  REQUIRE(ls.size() == 30);
  for (int i = 0; i < 30; ++i) CHECK(ls[i].rfind(R"({"id":)" + std::to_string(i) + ",", 0) == 0);
  CHECK(a.rows == 30 * 6);
}

TEST_CASE("out of memory splits the batch: nothing lost, nothing repeated") {
  RankHandler h(RankOptions{});
  FakeScorer plain, failing;
  failing.fail_above = 3;
  PipelineOptions o;
  Summary s;
  const std::string want = run(corpus(), h, o, plain);
  CHECK(run(corpus(), h, o, failing, &s) == want);
  CHECK(failing.rows == plain.rows);  // every pair scored exactly once
  CHECK(s.pairs == 180);
  CHECK(failing.calls > plain.calls);
}

TEST_CASE("every input record yields exactly one output line; bad lines become located errors keeping the id") {
  const std::string input =
      "{\"prompt\":\"p\",\"candidates\":[\"a\",\"b\"]}\n"
      "\n"
      "{\"id\":\"r3\",\"prompt\":1,\"candidates\":[\"a\"]}\n"
      "{\"prompt\":\"p\",\"candidates\":[\"a\",2],\"id\":7}\n"
      "{\"prompt\":\"p\",\"candidates\":[]}\n"
      "not json\n"
      "{\"prompt\":\"p\",\"candidates\":[\"same\",\"same\"]}\n"
      "{\"prompt\":\"p\",\"candidates\":[\"solo\"]}\n";
  RankHandler h(RankOptions{});
  FakeScorer f;
  Summary s;
  auto ls = lines(run(input, h, PipelineOptions{}, f, &s));
  REQUIRE(ls.size() == 7);  // the blank line 2 is no record
  CHECK(ls[0].find("\"ranks\":") != std::string::npos);
  CHECK(ls[1] == R"({"id":"r3","error":{"line":3,"field":"prompt","message":"expected a string, got a number"}})");
  CHECK(ls[2] == R"({"id":7,"error":{"line":4,"field":"candidates[1]","message":"expected a string, got a number"}})");
  CHECK(ls[3] == R"({"error":{"line":5,"field":"candidates","message":"empty list"}})");
  CHECK(ls[4].rfind(R"({"error":{"line":6,"field":"","message":"malformed JSON)", 0) == 0);
  CHECK(ls[5].find("\"ranks\":[1,1]") != std::string::npos);  // duplicates are compared like others
  CHECK(ls[6] == R"({"prompt":"p","candidates":["solo"],"ranks":[1],"scores":[0],"best":0})");
  CHECK(s.errors == 4);
  CHECK(s.pairs == 4);  // N = 1 needs no model call
}

TEST_CASE("--on-error fail: the lines before are written, then the error names line and field") {
  const std::string input =
      "{\"prompt\":\"p\",\"candidates\":[\"a\",\"b\"]}\n"
      "{\"prompt\":\"p\"}\n"
      "{\"prompt\":\"p\",\"candidates\":[\"a\",\"b\"]}\n";
  RankHandler h(RankOptions{});
  FakeScorer f;
  PipelineOptions o;
  o.on_error = OnError::Fail;
  std::istringstream in(input);
  std::ostringstream out;
  JsonlReader reader(in);
  Layout layout(recipe(), SpecialTokens{});
  CHECK_THROWS_WITH_AS(run_pipeline(reader, out, h, encoder(), layout, f, o), "line 2, field \"candidates\": missing",
                       pairrm::Error);
  CHECK(lines(out.str()).size() == 1);
}

TEST_CASE("knockout and bubble run their rounds across records") {
  RankOptions ko;
  ko.mode = RankMode::Knockout;
  RankHandler h(ko);
  FakeScorer f;
  Summary s;
  PipelineOptions o;
  auto ls = lines(run(corpus(), h, o, f, &s));
  CHECK(ls.size() == 30);
  CHECK(s.pairs == 30 * 4);  // 3 candidates: 2 matches x 2 orders
  CHECK(s.pairs_written == s.pairs);
  RankOptions bo;
  bo.mode = RankMode::Bubble;
  bo.seed = 7;
  RankHandler hb(bo);
  FakeScorer fb;
  CHECK(lines(run(corpus(), hb, o, fb)).size() == 30);
}

TEST_CASE("rounds span batches of a few pairs and a short horizon: every mode's output is unchanged") {
  // A record's next round starts only once all pairs of its round are back, however they were
  // batched, so the output equals that of batches as large as they come.
  for (const RankMode mode : {RankMode::Full, RankMode::Knockout, RankMode::Bubble}) {
    RankOptions ro;
    ro.mode = mode;
    ro.seed = 3;
    ro.matrix = true;
    RankHandler h(ro);
    FakeScorer whole_scorer;
    PipelineOptions whole;
    whole.horizon_batches = 0;
    Summary ws, cs;
    const std::string a = run(corpus(), h, whole, whole_scorer, &ws);
    for (const std::size_t pairs : {std::size_t{1}, std::size_t{3}, std::size_t{7}}) {
      for (const std::size_t horizon : {std::size_t{0}, std::size_t{1}}) {
        FakeScorer capped_scorer;
        PipelineOptions capped;
        capped.limits = {400, pairs};
        capped.horizon_batches = horizon;
        capped.window_records = pairs;  // windows of 1, 3 and 7 records too
        CHECK(run(corpus(), h, capped, capped_scorer, &cs) == a);
        CHECK(ws.pairs == cs.pairs);  // nothing scored twice, nothing lost
        CHECK(cs.pairs_written == cs.pairs);
      }
    }
  }
}

TEST_CASE("compare: margin, probability and winner from both orders") {
  CompareHandler h(CompareOptions{});
  FakeScorer f;
  auto ls = lines(run(R"({"prompt":"p","a":"hello","b":"hello"})" "\n", h, PipelineOptions{}, f));
  REQUIRE(ls.size() == 1);
  // Equal texts: the fake gives both orders 0.125, so margin 0 and a tie.
  CHECK(ls[0] == R"({"prompt":"p","a":"hello","b":"hello","logit_ab":0.125,"logit_ba":0.125,"margin":0,"p_a_better":0.5,"winner":"tie"})");
}

