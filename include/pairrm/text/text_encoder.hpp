// Texts to ids the way a recipe does it (docs/model.md, "Recipes").
//
// PairRM encodes each text once. reward-bench's Better-PairRM first cuts each text through a round
// trip: encode, keep the recipe's limit of ids (the source's end, a candidate's start), decode to
// text (dropping [UNK]), apply transformers' clean_up_tokenization when the checkpoint's tokenizer
// asks for it, and encode again. The layout then cuts the result once more (Layout).
#pragma once

#include <string>
#include <string_view>

#include "pairrm/text/recipe.hpp"
#include "pairrm/text/tokenizer.hpp"

namespace pairrm {

// transformers' clean_up_tokenization: " ." -> ".", " ?" -> "?", " !" -> "!", " ," -> ",",
// " ' " -> "'", " n't" -> "n't", " 'm" -> "'m", " 's" -> "'s", " 've" -> "'ve", " 're" -> "'re",
// each applied to the whole text in that order, as Python's str.replace does.
std::string clean_up_tokenization(std::string_view text);

class TextEncoder {
 public:
  TextEncoder(const Tokenizer& tokenizer, const Recipe& recipe) : tokenizer_(tokenizer), recipe_(recipe) {}

  // Plain pieces (no special ids) of a source text and of a candidate text, before the layout: the
  // whole text's, or for a long text those of a window at least as long as the layout keeps (the
  // same ids where it cuts), so that the cost follows the recipe, not the text's length.
  TokenIds source(std::string_view text) const;
  TokenIds candidate(std::string_view text) const;
  // Ids of `text` whose first `keep` (keep_end: last) are exactly the whole text's.
  TokenIds encode_kept(std::string_view text, std::size_t keep, bool keep_end) const;

  const Tokenizer& tokenizer() const { return tokenizer_; }

 private:
  TokenIds round_trip(std::string_view text, std::size_t keep, bool keep_end) const;
  const Tokenizer& tokenizer_;
  Recipe recipe_;
};

}  // namespace pairrm
