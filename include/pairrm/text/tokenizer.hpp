// The tokenizer PairRM is run with: Hugging Face's fast DebertaV2 tokenizer (docs/model.md 5.1),
// reproduced from the model file's spm.model.
//
// SentencePiece normalizes the text (nmt_nfkc, dummy prefix, whitespace collapsing) and finds the
// words. Each word is then segmented again by our own Viterbi pass, in float64 and with the
// reference's tie rule, because SentencePiece's float32 pass resolves exact score ties (runs like
// "aaaaaaaa" or "--------") differently from the fast tokenizer. As in the fast tokenizer, a
// character outside the vocabulary is [UNK] (runs fused into one), and literal "<0xNN>" text
// matches the byte pieces.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace pairrm {

using TokenIds = std::vector<int32_t>;

class Tokenizer {
 public:
  // Throws pairrm::Error when the model bytes do not load.
  explicit Tokenizer(const std::string& serialized_model);
  ~Tokenizer();
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;

  // Plain SentencePiece ids of `text`, no [CLS]/[SEP]. Text is always plain text: "<|source|>" or
  // "[SEP]" in it are ordinary characters (docs/model.md 5.4). Throws pairrm::Error if SentencePiece fails.
  TokenIds encode(std::string_view text) const;
  // The text of `ids` as the fast tokenizer's decode(ids, skip_special_tokens=True) gives it: [UNK]
  // and control ids are dropped, every U+2581 becomes a space, and the first remaining piece loses
  // its leading one (the Metaspace decoder). Ids outside the vocabulary are dropped too.
  std::string decode(const TokenIds& ids) const;
  int piece_count() const;

 private:
  struct Piece {
    int id;
    double score;
  };
  void segment_word(std::string_view word, TokenIds& out) const;
  bool ends_in_mapped_space(std::string_view text) const;

  std::unique_ptr<sentencepiece::SentencePieceProcessor> spm_;
  std::unordered_map<std::string, Piece> vocab_;  // every piece a text may produce
  std::size_t max_piece_bytes_ = 0;
  double unk_score_ = 0;
  int unk_id_ = 3;
  int space_id_ = -1;  // the lone U+2581 piece
};

}  // namespace pairrm
