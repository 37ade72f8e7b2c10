#include "pairrm/tokenizer.hpp"

#include <sentencepiece_processor.h>

#include "pairrm/error.hpp"

namespace pairrm {

Tokenizer::Tokenizer(const std::string& serialized_model)
    : spm_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {
  const auto status = spm_->LoadFromSerializedProto(serialized_model);
  if (!status.ok()) {
    throw Error("cannot load the SentencePiece model: " + status.ToString());
  }
}

Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

TokenIds Tokenizer::encode(std::string_view text) const {
  std::vector<int> ids;
  // Encode(text, &ids) reports failures; the value-returning EncodeAsIds would swallow them.
  const auto status = spm_->Encode(text, &ids);
  if (!status.ok()) {
    throw Error("SentencePiece could not encode a text: " + status.ToString());
  }
  return TokenIds(ids.begin(), ids.end());
}

int Tokenizer::piece_count() const { return spm_->GetPieceSize(); }

}  // namespace pairrm
