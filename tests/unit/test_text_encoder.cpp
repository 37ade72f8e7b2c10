#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "pairrm/text/text_encoder.hpp"

using namespace pairrm;

// Reads the real DeBERTa-v3 spm.model: skipped, with the reason, where there is none (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("vocab");

namespace {
const Tokenizer& tokenizer() {
  static Tokenizer t(test::read_file(PAIRRM_SPM_MODEL));
  return t;
}
constexpr int kHello = 12018, kWorld = 447, kSpacePiece = 507, kUnk = 3;  // ids in DeBERTa-v3's spm.model
}  // namespace

TEST_CASE("clean_up_tokenization: transformers' replacements, hand computed") {
  CHECK(clean_up_tokenization("Hello , world . Yes ? No !") == "Hello, world. Yes? No!");
  CHECK(clean_up_tokenization("do n't , I 'm , it 's , we 've , they 're") == "don't, I'm, it's, we've, they're");
  CHECK(clean_up_tokenization("a ' b") == "a'b");
  CHECK(clean_up_tokenization("don 't") == "don 't");  // " 't" is not one of the rules
  CHECK(clean_up_tokenization("a  .") == "a .");      // one space removed per match
  CHECK(clean_up_tokenization(" . ..") == "...");
  CHECK(clean_up_tokenization("x ' s") == "x's");      // " ' " first, then nothing left for " 's"
  CHECK(clean_up_tokenization("caf\xc3\xa9 , ok") == "caf\xc3\xa9, ok");
  CHECK(clean_up_tokenization("") == "");
}

TEST_CASE("decode drops [UNK], turns U+2581 into spaces, and strips the first piece's mark") {
  const Tokenizer& t = tokenizer();
  CHECK(t.decode({kHello, kWorld}) == "hello world");
  CHECK(t.decode({kUnk, kSpacePiece, kHello}) == " hello");        // [UNK] skipped; the lone mark is the first piece
  CHECK(t.decode({kSpacePiece, kSpacePiece, kHello}) == "  hello");
  CHECK(t.decode({kHello, kUnk, kWorld}) == "hello world");
  CHECK(t.decode({1, 2, 0}).empty());                              // control ids
  CHECK(t.decode({}).empty());
}

TEST_CASE("a text whose end maps to a space ends with the lone mark piece, as in the fast tokenizer") {
  const Tokenizer& t = tokenizer();
  CHECK(t.encode("hello") == TokenIds{kHello});
  CHECK(t.encode("hello \xe2\x80\x8b") == TokenIds{kHello, kSpacePiece});  // U+200B maps to a space after the strip
  CHECK(t.encode("hello\xe2\x96\x81") == TokenIds{kHello, kSpacePiece});   // a literal U+2581
  CHECK(t.encode("hello \t\n") == TokenIds{kHello});                       // White_Space is stripped first
  CHECK(t.encode("\xe2\x80\x8bhello") == TokenIds{kHello});                // at the start it changes nothing
}

TEST_CASE("the round trip cuts, decodes and encodes again; PairRM encodes once") {
  Recipe r;
  r.name = "better-pairrm";
  r.text_round_trip = true;
  r.text_source_max_length = 2;
  r.text_candidate_max_length = 2;
  r.source_keeps_end = true;
  const TextEncoder better(tokenizer(), r);
  const TokenIds three = tokenizer().encode("hello big world");
  REQUIRE(three.size() == 3);
  CHECK(better.candidate("hello big world") == TokenIds{three[0], three[1]});
  CHECK(better.source("hello big world") == TokenIds{three[1], three[2]});
  r.text_candidate_max_length = 100;
  CHECK(TextEncoder(tokenizer(), r).candidate("hello , world") == tokenizer().encode("hello, world"));  // clean-up
  r.clean_up_spaces = false;
  CHECK(TextEncoder(tokenizer(), r).candidate("hello , world") == tokenizer().encode("hello , world"));
  r.text_round_trip = false;
  CHECK(TextEncoder(tokenizer(), r).candidate("hello big world") == three);
}

TEST_CASE("a long text is encoded through a window: the kept ids are exactly the whole text's") {
  const Tokenizer& t = tokenizer();
  Recipe r;
  const TextEncoder e(t, r);
  // Text with tabs, newlines, runs of spaces, punctuation, non-ASCII, and a long run without spaces.
  const std::vector<std::string> words = {"hello", "world,", "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
                                          "don't", "(x)", "\xf0\x9f\x98\x80", "tokenization", "a", "12345"};
  const std::vector<std::string> gaps = {" ", "  ", "\t", "\n", " \n ", "\r\n"};
  uint32_t seed = 7;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  for (int round = 0; round < 6; ++round) {
    std::string text;
    while (text.size() < 300000) {
      text += words[next() % words.size()];
      if (next() % 50 == 0) text += std::string(2000, 'x');  // a long piece-run, still cut at whitespace
      text += gaps[next() % gaps.size()];
    }
    const TokenIds whole = t.encode(text);
    for (const std::size_t keep : {std::size_t{5}, std::size_t{412}, std::size_t{1224}, std::size_t{2048}}) {
      const TokenIds head = e.encode_kept(text, keep, false);
      REQUIRE(head.size() >= keep);
      CHECK(head.size() < whole.size());  // a window, not the whole text
      CHECK(std::equal(head.begin(), head.begin() + static_cast<std::ptrdiff_t>(keep), whole.begin()));
      const TokenIds tail = e.encode_kept(text, keep, true);
      REQUIRE(tail.size() >= keep);
      CHECK(std::equal(tail.end() - static_cast<std::ptrdiff_t>(keep), tail.end(), whole.end() - static_cast<std::ptrdiff_t>(keep)));
    }
  }
  // No whitespace to cut at: the whole text.
  const std::string solid(200000, 'y');
  CHECK(e.encode_kept(solid, 10, false) == t.encode(solid));
}

TEST_SUITE_END();
