#include "pairrm/tokenizer.hpp"

#include <algorithm>
#include <limits>

#include <sentencepiece_processor.h>

#include "pairrm/error.hpp"

namespace pairrm {

namespace {
constexpr std::string_view kSpace = "\xe2\x96\x81";  // U+2581, SentencePiece's whitespace mark
constexpr double kUnkPenalty = 10.0;                  // as SentencePiece and tokenizers

std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xe) return 3;
  if ((lead >> 3) == 0x1e) return 4;
  return 1;
}
}  // namespace

Tokenizer::Tokenizer(const std::string& serialized_model)
    : spm_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {
  const auto status = spm_->LoadFromSerializedProto(serialized_model);
  if (!status.ok()) {
    throw Error("cannot load the SentencePiece model: " + status.ToString());
  }
  // The fast tokenizer's Unigram vocabulary holds every piece. Control pieces ([CLS], [SEP], ...)
  // are left out here: in user text they are plain characters (pairrm-spec.md 5.4).
  double min_score = std::numeric_limits<double>::infinity();
  for (int id = 0; id < spm_->GetPieceSize(); ++id) {
    min_score = std::min(min_score, static_cast<double>(spm_->GetScore(id)));
    if (spm_->IsControl(id)) continue;
    if (spm_->IsUnknown(id)) {
      unk_id_ = id;
      continue;
    }
    const std::string piece = spm_->IdToPiece(id);
    vocab_.emplace(piece, Piece{id, static_cast<double>(spm_->GetScore(id))});
    max_piece_bytes_ = std::max(max_piece_bytes_, piece.size());
  }
  unk_score_ = min_score - kUnkPenalty;
}

Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

void Tokenizer::segment_word(std::string_view word, TokenIds& out) const {
  // Viterbi over byte positions at character boundaries: best[e] is the best path ending at e.
  // Candidates are visited by start position, then by length, and replace the current best only if
  // strictly better: the same order and tie rule as the reference (tokenizers' Unigram).
  struct Node {
    double score = 0;
    std::size_t start = std::string_view::npos;
    int id = -1;
  };
  const std::size_t n = word.size();
  std::vector<Node> best(n + 1);
  best[0].start = 0;
  std::string key;
  for (std::size_t start = 0; start < n;) {
    const std::size_t char_len = std::min(utf8_length(static_cast<unsigned char>(word[start])), n - start);
    if (best[start].start != std::string_view::npos) {
      const double here = best[start].score;
      bool single = false;
      for (std::size_t end = start + char_len; end <= n && end - start <= max_piece_bytes_;) {
        key.assign(word.data() + start, end - start);
        if (auto it = vocab_.find(key); it != vocab_.end()) {
          if (end - start == char_len) single = true;
          const double score = here + it->second.score;
          Node& target = best[end];
          if (target.start == std::string_view::npos || score > target.score) target = {score, start, it->second.id};
        }
        if (end == n) break;
        end += std::min(utf8_length(static_cast<unsigned char>(word[end])), n - end);
      }
      if (!single) {
        Node& target = best[start + char_len];
        const double score = here + unk_score_;
        if (target.start == std::string_view::npos || score > target.score) target = {score, start, unk_id_};
      }
    }
    start += char_len;
  }
  TokenIds reversed;
  for (std::size_t end = n; end > 0; end = best[end].start) {
    const int id = best[end].id;
    if (!(id == unk_id_ && !reversed.empty() && reversed.back() == unk_id_)) reversed.push_back(id);  // fuse [UNK] runs
  }
  out.insert(out.end(), reversed.rbegin(), reversed.rend());
}

TokenIds Tokenizer::encode(std::string_view text) const {
  std::vector<std::string> pieces;
  // Encode(text, &pieces) reports failures; the value-returning forms would swallow them. The
  // pieces are the normalized text, cut into words at the whitespace marks.
  const auto status = spm_->Encode(text, &pieces);
  if (!status.ok()) {
    throw Error("SentencePiece could not encode a text: " + status.ToString());
  }
  std::string normalized;
  for (const auto& p : pieces) normalized += p;
  TokenIds ids;
  std::size_t word_start = 0;
  for (std::size_t pos = kSpace.size(); pos <= normalized.size(); ++pos) {
    if (pos == normalized.size() || std::string_view(normalized).substr(pos, kSpace.size()) == kSpace) {
      if (pos > word_start) segment_word(std::string_view(normalized).substr(word_start, pos - word_start), ids);
      word_start = pos;
    }
  }
  if (normalized.size() < kSpace.size() && !normalized.empty()) segment_word(normalized, ids);
  return ids;
}

int Tokenizer::piece_count() const { return spm_->GetPieceSize(); }

}  // namespace pairrm
