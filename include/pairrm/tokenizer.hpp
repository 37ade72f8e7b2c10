// SentencePiece, loaded from the model file's spm.model (byte fallback off, like the Hugging Face
// fast tokenizer PairRM is run with; pairrm-spec.md 5.1).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
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
  // "[SEP]" in it are ordinary characters (spec 5.4). Throws pairrm::Error if SentencePiece fails.
  TokenIds encode(std::string_view text) const;
  int piece_count() const;

 private:
  std::unique_ptr<sentencepiece::SentencePieceProcessor> spm_;
};

}  // namespace pairrm
