#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "helpers.hpp"
#include "pairrm/error.hpp"
#include "pairrm/text/tokenizer.hpp"

using namespace pairrm;

// Reads the real DeBERTa-v3 spm.model: skipped, with the reason, where there is none (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("vocab");

namespace {
const Tokenizer& deberta() {
  static Tokenizer tok(test::read_file(PAIRRM_SPM_MODEL));
  return tok;
}
}  // namespace

// Reference encodings read from the real model (docs/model.md 5.1), plain SentencePiece ids.
TEST_CASE("the DeBERTa-v3 model encodes the spec's checked strings") {
  const Tokenizer& t = deberta();
  CHECK(t.piece_count() == 128000);
  CHECK(t.encode("  Hello   world  ") == TokenIds{5365, 447});
  CHECK(t.encode("Hello, world!") == TokenIds{5365, 261, 447, 300});
  CHECK(t.encode("a\nb") == TokenIds{266, 2165});
  CHECK(t.encode("日本語") == TokenIds{507, 100868, 89387});
  CHECK(t.encode("🙂") == TokenIds{11799});
  CHECK(t.encode("").empty());
  // With the model's own byte fallback NUL is the byte piece 4; model files switch it off (tested
  // against the fast tokenizer in tests/python/test_tokenizer.py).
  CHECK(t.encode(std::string("ok\0k", 4)) == TokenIds{5522, 4, 1165});
}

TEST_CASE("control-token lookalikes are plain text") {
  const TokenIds ids = deberta().encode("<|source|>[SEP]");
  for (int id : ids) {
    CHECK(id != 128001);
    CHECK(id != 2);
  }
  CHECK(ids.size() > 3);
}

TEST_CASE("a broken SentencePiece model is an Error, not a crash") {
  CHECK_THROWS_AS(Tokenizer("definitely not a protobuf"), pairrm::Error);
}

TEST_SUITE_END();
