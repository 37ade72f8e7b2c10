#include "pairrm/text/text_encoder.hpp"

#include <algorithm>
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

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
}  // namespace

// A long text costs what the recipe keeps of it, not its length: only a window at the kept end is
// encoded, cut at whitespace. SentencePiece pieces never span whitespace here (split_by_whitespace,
// and the normalizer treats whitespace on its own), so the ids of a window that ends before (or, at
// the far end, starts after) a whitespace character are exactly the whole text's first (last) ids.
// One id more than `keep` is asked for: a window's last id may be a lone space piece that a
// character the normalizer turns into a space (U+200B, ...) leaves at its very end, which in the
// whole text merges with the whitespace after it. A window that yields too few ids grows; a text without whitespace to cut at is encoded
// whole.
TokenIds TextEncoder::encode_kept(std::string_view text, std::size_t keep, bool keep_end) const {
  for (std::size_t window = std::max<std::size_t>(keep, 64) * 32; window < text.size(); window *= 4) {
    std::string_view part;
    if (keep_end) {
      std::size_t at = text.size() - window;
      while (at < text.size() && !is_space(text[at])) ++at;
      if (at >= text.size()) break;
      part = text.substr(at);
    } else {
      std::size_t at = window;
      while (at > 0 && !is_space(text[at])) --at;
      if (at == 0) break;
      part = text.substr(0, at);
    }
    TokenIds ids = tokenizer_.encode(part);
    if (ids.size() > keep) return ids;
  }
  return tokenizer_.encode(text);
}

TokenIds TextEncoder::round_trip(std::string_view text, std::size_t keep, bool keep_end) const {
  TokenIds ids = encode_kept(text, keep, keep_end);
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
  if (!recipe_.text_round_trip) {
    return encode_kept(text, static_cast<std::size_t>(recipe_.source_max_length), recipe_.source_keeps_end);
  }
  return round_trip(text, static_cast<std::size_t>(recipe_.text_source_max_length), recipe_.source_keeps_end);
}

TokenIds TextEncoder::candidate(std::string_view text) const {
  // The layout gives a candidate at most what the total leaves: never more than T ids.
  if (!recipe_.text_round_trip) return encode_kept(text, static_cast<std::size_t>(recipe_.total_max_length), false);
  return round_trip(text, static_cast<std::size_t>(recipe_.text_candidate_max_length), false);
}

}  // namespace pairrm
