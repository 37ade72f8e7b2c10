#include "pairrm/text/layout.hpp"

#include <algorithm>

namespace pairrm {

Layout::Layout(Recipe recipe, SpecialTokens tokens) : recipe_(std::move(recipe)), tokens_(tokens) {}

namespace {
// Keeps at most `keep` of `pieces`, from the start or (keep_end) from the end.
void append_cut(const TokenIds& pieces, std::size_t keep, bool keep_end, TokenIds& out) {
  keep = std::min(keep, pieces.size());
  auto first = keep_end ? pieces.end() - static_cast<std::ptrdiff_t>(keep) : pieces.begin();
  out.insert(out.end(), first, first + static_cast<std::ptrdiff_t>(keep));
}
}  // namespace

TokenIds Layout::source_part(const TokenIds& prompt_pieces) const {
  const auto S = static_cast<std::size_t>(recipe_.source_max_length);
  TokenIds out;
  if (recipe_.source_marker_separate) {
    // encode("<|source|>") + encode(prompt, max_length = S - 3): [CLS] m [SEP] [CLS] prompt.. [SEP]
    out = {tokens_.cls, tokens_.source, tokens_.sep, tokens_.cls};
    append_cut(prompt_pieces, S - 5, recipe_.source_keeps_end, out);
  } else {
    // encode("<|source|>" + prompt, max_length = S), truncated on the right (parse_model_info
    // refuses a glued marker with left truncation: it would cut the marker away).
    out = {tokens_.cls};
    TokenIds content;
    content.reserve(prompt_pieces.size() + 1);
    content.push_back(tokens_.source);
    content.insert(content.end(), prompt_pieces.begin(), prompt_pieces.end());
    append_cut(content, S - 2, recipe_.source_keeps_end, out);
  }
  out.push_back(tokens_.sep);
  return out;
}

int Layout::candidate_budget(std::size_t source_part_length) const {
  return (recipe_.total_max_length - static_cast<int>(source_part_length)) / 2;
}

std::size_t Layout::candidate_length(std::size_t pieces, int budget) const {
  // [CLS] marker pieces.. [SEP], at most `budget` ids
  return std::min<std::size_t>(pieces + 3, static_cast<std::size_t>(std::max(budget, 3)));
}

std::size_t Layout::pair_length(std::size_t source_part_length, std::size_t c1_pieces, std::size_t c2_pieces) const {
  const int budget = candidate_budget(source_part_length);
  return source_part_length + candidate_length(c1_pieces, budget) + candidate_length(c2_pieces, budget);
}

void Layout::append_candidate(const TokenIds& pieces, int marker, int budget, std::vector<int64_t>& out) const {
  const std::size_t keep = candidate_length(pieces.size(), budget) - 3;
  out.push_back(tokens_.cls);
  out.push_back(marker);
  out.insert(out.end(), pieces.begin(), pieces.begin() + static_cast<std::ptrdiff_t>(keep));
  out.push_back(tokens_.sep);
}

std::array<int64_t, 3> Layout::build(const TokenIds& source_part, const TokenIds& c1_pieces, const TokenIds& c2_pieces,
                                     std::vector<int64_t>& out) const {
  const int budget = candidate_budget(source_part.size());
  const auto start = static_cast<int64_t>(out.size());
  out.insert(out.end(), source_part.begin(), source_part.end());
  const auto c1_at = static_cast<int64_t>(out.size()) - start;
  append_candidate(c1_pieces, tokens_.candidate1, budget, out);
  const auto c2_at = static_cast<int64_t>(out.size()) - start;
  append_candidate(c2_pieces, tokens_.candidate2, budget, out);
  return {1, c1_at + 1, c2_at + 1};
}

}  // namespace pairrm
