#include <doctest/doctest.h>

#include <sstream>

#include "pairrm/io/jsonl.hpp"

using namespace pairrm;

TEST_CASE("reader: line numbers, CRLF, blank and malformed lines are located errors") {
  std::istringstream in("{\"a\":\"x\"}\r\n\n[1]\n{bad\n{\"s\":\"\xff\"}\n");
  JsonlReader r(in);
  REQUIRE(r.next());
  CHECK(r.raw() == "{\"a\":\"x\"}");
  auto ok = r.parsed();
  REQUIRE(error_of(ok) == nullptr);
  CHECK(std::get<std::string_view>(std::get<JsonObject>(ok).string("a")) == "x");
  REQUIRE(r.next());
  CHECK(error_of(r.parsed())->message == "blank line");
  REQUIRE(r.next());
  CHECK(error_of(r.parsed())->message == "expected a JSON object, got an array");
  REQUIRE(r.next());
  CHECK(error_of(r.parsed())->line == 4);
  CHECK(error_of(r.parsed())->message.rfind("malformed JSON", 0) == 0);
  REQUIRE(r.next());
  CHECK(error_of(r.parsed())->message == "invalid UTF-8");
  CHECK(!r.next());
}

TEST_CASE("field accessors name the field and the type found") {
  std::istringstream in(R"({"p": 3, "c": ["x", 4], "e": [], "n": null})");
  JsonlReader r(in);
  REQUIRE(r.next());
  auto parsed = r.parsed();
  const JsonObject& o = std::get<JsonObject>(parsed);
  CHECK(error_of(o.string("p"))->message == "expected a string, got a number");
  CHECK(error_of(o.string("missing"))->message == "missing");
  CHECK(error_of(o.string_array("c"))->field == "c[1]");
  CHECK(error_of(o.string_array("e"))->message == "empty list");
  CHECK(error_of(o.string_array("n"))->message == "expected an array of strings, got null");
  CHECK(std::get<std::optional<std::string_view>>(o.optional_string("absent")) == std::nullopt);
}

TEST_CASE("writer: strings escaped, objects extended, errors shaped") {
  std::string s;
  append_string(s, "a\"b\\c\n\t\x01é");
  CHECK(s == "\"a\\\"b\\\\c\\n\\t\\u0001é\"");
  CHECK(extend_object(R"({"a": 1} )", R"("r":2)") == R"({"a": 1,"r":2} )");
  CHECK(extend_object("{ }", R"("r":2)") == R"({ "r":2})");
  CHECK(error_object({3, "candidates[1]", "expected a string"}) ==
        R"({"error":{"line":3,"field":"candidates[1]","message":"expected a string"}})");
  std::string n;
  append_number(n, 0.5);
  n += ',';
  append_number(n, std::numeric_limits<double>::quiet_NaN());
  n += ',';
  append_float(n, 1.9003021717071533f);
  CHECK(n == "0.5,null,1.9003022");
}
