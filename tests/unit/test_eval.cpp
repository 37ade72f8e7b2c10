#include <doctest/doctest.h>

#include <cmath>
#include <sstream>

#include "pairrm/error.hpp"
#include "pairrm/tasks/eval.hpp"
#include "pairrm/text/utf8.hpp"
#include "pairrm/tasks/rank.hpp"

using namespace pairrm;

TEST_CASE("reference rewards: reward_j = M[j][ref] - M[ref][j], hand computed") {
  Matrix m = nan_matrix(3);
  m[0][2] = 1.5;
  m[2][0] = -0.5;  // reward_0 = 1.5 - (-0.5) = 2
  m[1][2] = -1.0;
  m[2][1] = 0.25;  // reward_1 = -1.25
  auto r = reference_rewards(m, 2, 3);
  CHECK(r[0] == doctest::Approx(2.0));
  CHECK(r[1] == doctest::Approx(-1.25));
  CHECK(r[2] == 0.0);
  CHECK(ranks_from_scores(r) == std::vector<int>{1, 3, 2});
}

TEST_CASE("picking the reference by length as rank_with_ref does: first of equals, median at N//2") {
  const std::vector<std::size_t> tokens = {5, 9, 2, 9, 5};
  CHECK(pick_reference(ReferenceChoice::Longest, 0, tokens) == 1);
  CHECK(pick_reference(ReferenceChoice::Shortest, 0, tokens) == 2);
  CHECK(pick_reference(ReferenceChoice::Median, 0, tokens) == 4);  // sorted: 2(2) 5(0) [5(4)] 9(1) 9(3)
  CHECK(pick_reference(ReferenceChoice::First, 0, tokens) == 0);
  CHECK(pick_reference(ReferenceChoice::Last, 0, tokens) == 4);
  CHECK(pick_reference(ReferenceChoice::Index, 3, tokens) == 3);
  CHECK(pick_reference(ReferenceChoice::Median, 0, {7, 3}) == 0);  // sorted 3(1) 7(0): index 2//2 = 1 -> 0
  CHECK(pick_reference(ReferenceChoice::Median, 0, {4, 1, 3, 2}) == 2);  // sorted 1 2 [3] 4: the upper median
}

TEST_CASE("lengths are Python's len(): code points, not bytes") {
  CHECK(utf8::count("") == 0);
  CHECK(utf8::count("abc") == 3);
  CHECK(utf8::count("h\xc3\xa9llo") == 5);           // é: 2 bytes
  CHECK(utf8::count("\xf0\x9f\x98\x80!") == 2);     // U+1F600: 4 bytes
  CHECK(utf8::count("\xe4\xbd\xa0\xe5\xa5\xbd") == 2);  // two CJK characters
}

TEST_CASE("Wilson interval, hand computed") {
  // k = 8, n = 10: p = 0.8, z = 1.96: centre = (0.8 + 0.19207)/1.38415 = 0.71674,
  // half = 1.96 sqrt(0.016 + 0.0096037)/1.38415 = 0.22657 -> [0.4902, 0.9433]
  auto [lo, hi] = wilson_interval(8, 10);
  CHECK(lo == doctest::Approx(0.4902).epsilon(1e-3));
  CHECK(hi == doctest::Approx(0.9433).epsilon(1e-3));
  auto [lo0, hi0] = wilson_interval(0, 5);
  CHECK(lo0 == 0.0);
  CHECK(hi0 == doctest::Approx(0.4345).epsilon(1e-3));
}

TEST_CASE("sections: weighted means of subset accuracies, missing subsets named") {
  SubsetCounts counts = {{std::string("a"), {10, 9}}, {std::string("b"), {30, 15}}};
  auto listed = parse_sections(R"({"S": ["a", "b"], "T": {"a": 1, "b": 3, "c": 2}})", "sections.json");
  REQUIRE(listed.size() == 2);
  const std::string json = eval_summary_json(counts, listed);
  // S, weights = pairs seen: (10 * 0.9 + 30 * 0.5) / 40 = 0.6; T: (1 * 0.9 + 3 * 0.5) / 4 = 0.6
  CHECK(json.find(R"("S":{"score":0.6,"n":40,"missing_subsets":[]})") != std::string::npos);
  CHECK(json.find(R"("T":{"score":0.6,"n":40,"missing_subsets":["c"]})") != std::string::npos);
  CHECK(json.find(R"("overall":{"n":40,"correct":24,"accuracy":0.6)") != std::string::npos);
  CHECK_THROWS_AS(parse_sections(R"(["a"])", "x.json"), pairrm::Error);
  CHECK_THROWS_AS(parse_sections(R"({"S": 3})", "x.json"), pairrm::Error);
}

TEST_CASE("eval counts ties as wrong") {
  EvalHandler h(EvalOptions{});
  std::istringstream in(R"({"prompt":"p","chosen":"c","rejected":"r","subset":"x"})");
  JsonlReader reader(in);
  REQUIRE(reader.next());
  auto parsed = reader.parsed();
  auto task = h.make_task(std::get<JsonObject>(parsed));
  REQUIRE(error_of(task) == nullptr);
  Matrix m = nan_matrix(2);
  m[0][1] = 0.5;
  m[1][0] = 0.5;  // margin 0
  const std::string out = h.finish(reader.raw(), std::get<Task>(task), m);
  CHECK(out.find(R"("margin":0,"correct":false)") != std::string::npos);
  CHECK(h.counts().at(std::string("x")).n == 1);
  CHECK(h.counts().at(std::string("x")).correct == 0);
}

TEST_CASE("sections: a weight of 0 is honoured, a negative one refused") {
  SubsetCounts counts = {{std::string("chat"), {10, 9}}, {std::string("math"), {10, 1}}};
  auto zero = parse_sections(R"({"B": {"chat": 0, "math": 1}})", "s.json");
  // chat weighs nothing: the score is math's accuracy alone, 0.1
  CHECK(eval_summary_json(counts, zero).find(R"("B":{"score":0.1,)") != std::string::npos);
  CHECK_THROWS_WITH_AS(parse_sections(R"({"B": {"chat": -1}})", "s.json"),
                       doctest::Contains("negative"), pairrm::Error);
  auto none = parse_sections(R"({"B": {"chat": 0}})", "s.json");  // every weight 0: no score
  CHECK(eval_summary_json(counts, none).find(R"("B":{"score":null,)") != std::string::npos);
}

TEST_CASE("Wilson interval: exactly 0 and 1 at the ends") {
  // k = 0, n = 3: [0, z^2 / (n + z^2)] = [0, 3.8415 / 6.8415] = [0, 0.5615]
  auto [lo, hi] = wilson_interval(0, 3);
  CHECK(lo == 0.0);
  CHECK(hi == doctest::Approx(0.5615).epsilon(1e-3));
  auto [lo3, hi3] = wilson_interval(3, 3);
  CHECK(hi3 == 1.0);
  CHECK(lo3 == doctest::Approx(1 - 0.5615).epsilon(1e-3));
}

TEST_CASE("lines without a subset stay apart from a subset named like any default") {
  SubsetCounts counts = {{std::nullopt, {2, 1}}, {std::string("all"), {4, 4}}};
  const std::string json = eval_summary_json(counts, {});
  CHECK(json.find(R"("subsets":{"all":{"n":4,)") != std::string::npos);
  CHECK(json.find(R"("without_subset":{"n":2,)") != std::string::npos);
  CHECK(json.find(R"("overall":{"n":6,"correct":5,)") != std::string::npos);
  const std::string table = eval_table(counts, {});
  CHECK(table.find("(no subset)") != std::string::npos);
  const std::string empty = eval_table({}, {});  // no pairs at all: null, as the JSON says
  CHECK(empty.find("null") != std::string::npos);
  CHECK(eval_summary_json({}, {}).find(R"("accuracy":null)") != std::string::npos);
}
