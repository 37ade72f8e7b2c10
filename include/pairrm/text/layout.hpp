// The PairRM input layout: [CLS] <|source|> src.. [SEP] [CLS] <|candidate1|> c1.. [SEP]
// [CLS] <|candidate2|> c2.. [SEP], with the recipe's truncation rules (docs/model.md 5.2, 5.3).
//
// Texts are encoded once into plain SentencePiece ids; every pair is then a cheap splice of those:
// the source part is built once per prompt, a candidate is cut to the pair's budget on the fly.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "pairrm/text/recipe.hpp"
#include "pairrm/text/tokenizer.hpp"

namespace pairrm {

class Layout {
 public:
  Layout(Recipe recipe, SpecialTokens tokens);

  // The whole source part (special ids included), truncated per the recipe.
  TokenIds source_part(const TokenIds& prompt_pieces) const;
  // cmax: the most ids a candidate part may take next to a source part of this length.
  int candidate_budget(std::size_t source_part_length) const;
  // Length of a candidate part ([CLS] marker pieces.. [SEP]) under that budget (and the recipe's
  // candidate cap).
  std::size_t candidate_length(std::size_t pieces, int budget) const;
  std::size_t pair_length(std::size_t source_part_length, std::size_t c1_pieces, std::size_t c2_pieces) const;

  // Writes the pair's ids into out (appending) and returns the marker positions within the row.
  std::array<int64_t, 3> build(const TokenIds& source_part, const TokenIds& c1_pieces, const TokenIds& c2_pieces,
                               std::vector<int64_t>& out) const;

  const Recipe& recipe() const { return recipe_; }
  const SpecialTokens& tokens() const { return tokens_; }

 private:
  void append_candidate(const TokenIds& pieces, int marker, int budget, std::vector<int64_t>& out) const;
  Recipe recipe_;
  SpecialTokens tokens_;
};

}  // namespace pairrm
