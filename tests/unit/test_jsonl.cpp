#include <doctest/doctest.h>

#include <limits>
#include <optional>
#include <sstream>

#include "pairrm/io/json_writer.hpp"
#include "pairrm/io/jsonl.hpp"

using namespace pairrm;

TEST_CASE("reader: line numbers, CRLF, blank lines skipped but counted, malformed lines are located errors") {
  std::istringstream in("{\"a\":\"x\"}\r\n\n \t\r\n[1]\n{bad\n{\"s\":\"\xff\"}\n");
  JsonlReader r(in);
  REQUIRE(r.next());
  CHECK(r.raw() == "{\"a\":\"x\"}");
  auto ok = r.parsed();
  REQUIRE(error_of(ok) == nullptr);
  CHECK(std::get<std::string_view>(std::get<JsonObject>(ok).string("a")) == "x");
  REQUIRE(r.next());  // lines 2 and 3 hold only whitespace: no record
  CHECK(r.line() == 4);
  CHECK(error_of(r.parsed())->message.rfind("expected a JSON object, got an array; JSONL holds one object per line", 0) == 0);
  REQUIRE(r.next());
  CHECK(error_of(r.parsed())->line == 5);
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

TEST_CASE("reader: a key given twice is a located error") {
  std::istringstream in(R"({"prompt": "a", "candidates": ["x"], "prompt": "b"})" "\n" R"({"a": {"k": 1, "k": 2}})" "\n");
  JsonlReader r(in);
  REQUIRE(r.next());
  auto first = r.parsed();
  auto e = error_of(first);
  REQUIRE(e);
  CHECK(e->field == "prompt");
  CHECK(e->message.find("twice") != std::string::npos);
  REQUIRE(r.next());
  CHECK(error_of(r.parsed()) == nullptr);  // nested objects are passed through, not judged
}

TEST_CASE("object arrays name the element and field") {
  std::istringstream in(R"({"m": [{"role": "user", "content": "hi"}, {"role": "x"}], "n": [1]})");
  JsonlReader r(in);
  REQUIRE(r.next());
  auto parsed = r.parsed();
  const JsonObject& o = std::get<JsonObject>(parsed);
  CHECK(error_of(o.object_array("m", {"role", "content"}))->field == "m[1].content");
  CHECK(error_of(o.object_array("n", {"role"}))->message == "expected an object, got a number");
  CHECK(std::get<0>(o.object_array("m", {"role"})).size() == 2);
}

TEST_CASE("writer: strings escaped, numbers in shortest form, nesting and commas") {
  JsonWriter w;
  w.begin_object().field("s", "a\"b\\c\n\t\x01\xc3\xa9").field("x", 0.5).field("nan", std::numeric_limits<double>::quiet_NaN());
  w.key("f").value_float(1.9003021717071533f).field("i", std::vector<int>{1, 2}).key("o").begin_object().end_object();
  w.key("a").begin_array().begin_array().end_array().null().value(true).end_array().end_object();
  CHECK(w.str() == "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\xc3\xa9\",\"x\":0.5,\"nan\":null,\"f\":1.9003022,\"i\":[1,2],\"o\":{},"
                   "\"a\":[[],null,true]}");
  CHECK(error_object({3, "candidates[1]", "expected a string"}) ==
        R"({"error":{"line":3,"field":"candidates[1]","message":"expected a string"}})");
}

TEST_CASE("writer: a key written twice is a bug, caught") {
  JsonWriter w(true);
  w.field("ranks", 1);
  CHECK_THROWS_AS(w.field("ranks", 2), pairrm::Error);
}

TEST_CASE("extending an input object keeps its bytes and replaces the fields we write, as jq's . + {...}") {
  JsonWriter f(true);
  f.field("r", 2);
  CHECK(extend_object(R"({"a": 1} )", f) == R"({"a": 1,"r":2} )");
  CHECK(extend_object("{ }", f) == R"({ "r":2})");
  CHECK(extend_object(R"({"r": 1, "a": [1, {"r": 0}], "b": "}\"r"})", f) == R"({"a": [1, {"r": 0}],"b": "}\"r","r":2})");
  CHECK(extend_object(R"({"a": 1, "\u0072": "escaped"})", f) == R"({"a": 1,"r":2})");
  CHECK(extend_object(R"({"r": 1})", f) == R"({"r":2})");
}

TEST_CASE("top-level members: keys unescaped, spans over nested values and strings with braces") {
  const std::string raw = R"({ "a" : {"x": [1, "]"]} , "b\"c": "v,}" ,"d":null})";
  auto m = top_level_members(raw);
  REQUIRE(m.size() == 3);
  CHECK(m[0].key == "a");
  CHECK(raw.substr(m[0].begin, m[0].end - m[0].begin) == R"("a" : {"x": [1, "]"]})");
  CHECK(m[1].key == "b\"c");
  CHECK(raw.substr(m[1].begin, m[1].end - m[1].begin) == R"("b\"c": "v,}")");
  CHECK(raw.substr(m[2].begin, m[2].end - m[2].begin) == R"("d":null)");
}

TEST_CASE("reader: numbers beyond 64 bits or a double's range in other fields do not reject the line") {
  std::istringstream in(R"({"n":18446744073709551616,"x":1e309,"y":-9223372036854775809,"p":"ok"})" "\n"
                        R"({"p":18446744073709551616})" "\n"
                        R"({"n":01,"p":"bad number"})" "\n");
  JsonlReader r(in);
  REQUIRE(r.next());
  auto first = r.parsed();
  REQUIRE(error_of(first) == nullptr);
  CHECK(std::get<std::string_view>(std::get<JsonObject>(first).string("p")) == "ok");
  REQUIRE(r.next());
  auto second = r.parsed();  // a field we read still has to be a string
  REQUIRE(error_of(second) == nullptr);
  CHECK(error_of(std::get<JsonObject>(second).string("p"))->message == "expected a string, got a number");
  REQUIRE(r.next());
  CHECK(error_of(r.parsed())->message.rfind("malformed JSON", 0) == 0);  // 01 is no JSON number
}

TEST_CASE("numbers_as_zero: only valid JSON number tokens, never inside strings") {
  CHECK(numbers_as_zero(R"({"a":-1.5e+300,"b":"12 \" 3","c":[1,2]})") == std::optional<std::string>(R"({"a":0,"b":"12 \" 3","c":[0,0]})"));
  CHECK(numbers_as_zero(R"({"a":"x"})") == std::nullopt);
  CHECK(numbers_as_zero(R"({"a":1.})") == std::nullopt);
  CHECK(numbers_as_zero(R"({"a":-})") == std::nullopt);
  CHECK(numbers_as_zero(R"({"a":1e})") == std::nullopt);
}

TEST_CASE("raw_member_value: the bytes of a top-level value") {
  const std::string line = R"({"id" : 18446744073709551616 , "x":{"id":2},"s":"a\"b"})";
  CHECK(raw_member_value(line, "id") == std::optional<std::string_view>("18446744073709551616"));
  CHECK(raw_member_value(line, "s") == std::optional<std::string_view>(R"("a\"b")"));
  CHECK(raw_member_value(line, "x") == std::optional<std::string_view>(R"({"id":2})"));
  CHECK(raw_member_value(line, "nope") == std::nullopt);
}

TEST_CASE("reader: malformed JSON says where, by byte column") {
  std::istringstream in("{\"a\":1,\"b\":[1,2,}, \"c\":3}\n{\"a\" 1}\n");
  JsonlReader r(in);
  REQUIRE(r.next());
  CHECK(error_of(r.parsed())->message.rfind("malformed JSON at column 17: ", 0) == 0);  // the '}' after "2,"
  REQUIRE(r.next());
  CHECK(error_of(r.parsed())->message.rfind("malformed JSON at column 6: ", 0) == 0);  // the 1 where ':' belongs
}
