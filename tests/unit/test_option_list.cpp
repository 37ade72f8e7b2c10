// The options declared once (tasks/option_list.hpp): the rules between them, the wire both ways,
// the request-body reader's messages, and "did you mean", against cases worked out by hand.
#include <doctest/doctest.h>

#include <simdjson.h>

#include "pairrm/did_you_mean.hpp"
#include "pairrm/error.hpp"
#include "pairrm/tasks/options_json.hpp"

using namespace pairrm;

namespace {
std::string as_flag(std::string_view field) {
  std::string f = "--" + std::string(field);
  for (char& c : f) c = c == '_' ? '-' : c;
  return f;
}

// The body `json` read as /v1/rank reads its options.
std::optional<OptionProblem> read_body(const std::string& json, RankOptions& o, GivenOptions& given) {
  static simdjson::dom::parser parser;
  simdjson::dom::object object;
  REQUIRE(!parser.parse(json).get(object));
  return body_options(object, o, given);
}
}  // namespace

TEST_CASE("did you mean: one edit per third of the word, separators alike, transpositions one edit") {
  const std::vector<std::string_view> flags = {"--top-k", "--mode", "--matrix", "--candidates-key"};
  CHECK(closest_name("--topk", flags) == "--top-k");
  CHECK(closest_name("--top_k", flags) == "--top-k");          // '_' and '-' are the same
  CHECK(closest_name("--candidate-key", flags) == "--candidates-key");
  CHECK(closest_name("rnak", {"rank", "compare", "eval"}) == "rank");  // a transposition is one edit
  CHECK(closest_name("candidate", {"prompt", "candidates"}) == "candidates");
  CHECK_FALSE(closest_name("--window", flags).has_value());   // nothing close
  CHECK_FALSE(closest_name("xy", {"ab"}).has_value());         // 2 edits on a 2-letter word
}

TEST_CASE("rank's rules: an option that changes nothing, or two that contradict, are refused by name") {
  RankOptions o;
  auto check = [&](GivenOptions given) { return check_options(o, given, as_flag); };
  CHECK_FALSE(check({}).has_value());
  CHECK_FALSE(check({"mode", "aggregate"}).has_value());  // full mode takes an aggregate
  auto both = check({"reference", "reference_key"});
  REQUIRE(both);
  CHECK(both->field == "reference");
  CHECK(both->message == "give --reference or --reference-key, not both");
  auto with_ref = check({"reference", "seed"});
  REQUIRE(with_ref);
  CHECK(with_ref->field == "seed");
  o.mode = RankMode::Knockout;
  auto aggregate = check({"mode", "aggregate"});
  REQUIRE(aggregate);
  CHECK(aggregate->message == "--aggregate applies to --mode full only; bubble and knockout rank by how far candidates got");
  o.mode = RankMode::Bubble;
  CHECK_FALSE(check({"mode", "seed"}).has_value());
  // The server names fields as they are.
  o.mode = RankMode::Full;
  auto served = check_options(o, {"seed"}, [](std::string_view f) { return std::string(f); });
  REQUIRE(served);
  CHECK(served->message.rfind("seed applies to mode bubble only", 0) == 0);
}

TEST_CASE("the wire carries every option both ways, a reference by index or by name") {
  RankOptions o;
  o.mode = RankMode::Bubble;
  o.seed = 18446744073709551615ull;  // past 2^63: written exactly
  o.top_k = 2;
  o.reference = ReferenceChoice::Median;
  o.candidates_key = "answers";
  RankOptions back;
  options_from_json(options_json(o), back);
  CHECK(back.mode == RankMode::Bubble);
  CHECK(back.seed == o.seed);
  CHECK(back.top_k == 2);
  CHECK(back.reference == ReferenceChoice::Median);
  CHECK(back.candidates_key == "answers");
  o.reference = ReferenceChoice::Index;
  o.reference_index = 3;
  options_from_json(options_json(o), back);
  CHECK(back.reference == ReferenceChoice::Index);
  CHECK(back.reference_index == 3);
  CHECK_THROWS_WITH_AS(options_from_json(R"({"bogus": 1})", back), "options.bogus: not an option of this server's version", Error);
}

TEST_CASE("a request body's options: types, minimums and names said in words, the field named") {
  RankOptions o;
  GivenOptions given;
  CHECK_FALSE(read_body(R"({"prompt": "p", "top_k": 2, "reference": "last", "model": "x"})", o, given).has_value());
  CHECK(o.top_k == 2);
  CHECK(o.reference == ReferenceChoice::Last);
  CHECK(given == GivenOptions{"reference", "top_k"});  // record fields are not options
  for (const auto& [json, field, message] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {R"({"top_k": 0})", "top_k", "expected a whole number of at least 1"},
           {R"({"top_k": "2"})", "top_k", "expected a whole number of at least 1"},
           {R"({"mode": "best"})", "mode", "\"best\" is not one of full, bubble, knockout"},
           {R"({"matrix": 1})", "matrix", "expected true or false"},
           {R"({"reference": "longer"})", "reference",
            "expected a candidate index (0, 1, ...) or one of longest, shortest, median, first, last, got \"longer\""},
           {R"({"candidates_key": 5})", "", ""}}) {  // not a body option: not read
    RankOptions fresh;
    GivenOptions g;
    const auto problem = read_body(json, fresh, g);
    if (field.empty()) {
      CHECK_FALSE(problem.has_value());
      continue;
    }
    REQUIRE_MESSAGE(problem, json);
    CHECK(problem->field == field);
    CHECK(problem->message == message);
  }
}
