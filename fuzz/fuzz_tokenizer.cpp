// The tokenizer on any valid UTF-8 text (the JSON reader lets nothing else through): ids in the
// vocabulary, decode and the Better-PairRM round trip terminate, clean-up never grows a text.
#include <simdjson.h>

#include "common.hpp"
#include "pairrm/text/text_encoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!simdjson::validate_utf8(text.data(), text.size())) return 0;
  const pairrm::Tokenizer& t = fuzz_tokenizer();
  const auto ids = t.encode(text);
  for (const int32_t id : ids) FUZZ_CHECK(id >= 0 && id < t.piece_count());
  const std::string decoded = t.decode(ids);
  FUZZ_CHECK(simdjson::validate_utf8(decoded.data(), decoded.size()));
  FUZZ_CHECK(pairrm::clean_up_tokenization(decoded).size() <= decoded.size());
  pairrm::Recipe r;
  r.name = "better-pairrm";
  r.text_round_trip = true;
  r.text_source_max_length = 7;
  r.text_candidate_max_length = 5;
  r.source_keeps_end = true;
  const pairrm::TextEncoder e(t, r);
  for (const int32_t id : e.source(text)) FUZZ_CHECK(id >= 0 && id < t.piece_count() && id != 3);  // no [UNK] after the round trip
  for (const int32_t id : e.candidate(text)) FUZZ_CHECK(id >= 0 && id < t.piece_count() && id != 3);
  return 0;
}
