#include "pairrm/text/text_encoder.hpp"

#include <array>

namespace pairrm {

std::string clean_up_tokenization(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kRules{{
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
  }};
  std::string current(text), next;
  for (const auto& [from, to] : kRules) {
    // Non-overlapping, left to right, over the text as it was before this rule (str.replace).
    // The patterns are ASCII, so bytes of UTF-8 text match exactly where code points would.
    next.clear();
    std::size_t pos = 0;
    for (std::size_t at = current.find(from); at != std::string::npos; at = current.find(from, pos)) {
      next.append(current, pos, at - pos);
      next.append(to);
      pos = at + from.size();
    }
    next.append(current, pos, std::string::npos);
    current.swap(next);
  }
  return current;
}

TokenIds TextEncoder::round_trip(std::string_view text, std::size_t keep, bool keep_end) const {
  TokenIds ids = tokenizer_.encode(text);
  if (ids.size() > keep) {
    if (keep_end) {
      ids.erase(ids.begin(), ids.end() - static_cast<std::ptrdiff_t>(keep));
    } else {
      ids.resize(keep);
    }
  }
  std::string decoded = tokenizer_.decode(ids);
  if (recipe_.clean_up_spaces) decoded = clean_up_tokenization(decoded);
  return tokenizer_.encode(decoded);
}

TokenIds TextEncoder::source(std::string_view text) const {
  if (!recipe_.text_round_trip) return tokenizer_.encode(text);
  return round_trip(text, static_cast<std::size_t>(recipe_.text_source_max_length), recipe_.source_keeps_end);
}

TokenIds TextEncoder::candidate(std::string_view text) const {
  if (!recipe_.text_round_trip) return tokenizer_.encode(text);
  return round_trip(text, static_cast<std::size_t>(recipe_.text_candidate_max_length), false);
}

}  // namespace pairrm
