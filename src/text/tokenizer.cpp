#include "pairrm/text/tokenizer.hpp"

#include <algorithm>
#include <limits>

#include <sentencepiece_processor.h>

#include "pairrm/error.hpp"
#include "pairrm/text/utf8.hpp"

namespace pairrm {

namespace {
constexpr std::string_view kSpace = "\xe2\x96\x81";  // U+2581, SentencePiece's whitespace mark
constexpr double kUnkPenalty = 10.0;                  // as SentencePiece and tokenizers

std::size_t utf8_length(unsigned char lead) { return utf8::sequence_length(lead); }
}  // namespace

Tokenizer::Tokenizer(const std::string& serialized_model)
    : spm_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {
  const auto status = spm_->LoadFromSerializedProto(serialized_model);
  if (!status.ok()) {
    throw Error("cannot load the SentencePiece model: " + status.ToString());
  }
  // The fast tokenizer's Unigram vocabulary holds every piece. Control pieces ([CLS], [SEP], ...)
  // are left out here: in user text they are plain characters (docs/model.md 5.4).
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
  if (auto it = vocab_.find(std::string(kSpace)); it != vocab_.end()) space_id_ = it->second.id;
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
  if (space_id_ >= 0 && ends_in_mapped_space(text)) ids.push_back(space_id_);
  return ids;
}

bool Tokenizer::ends_in_mapped_space(std::string_view text) const {
  // The fast tokenizer strips White_Space from both ends, then maps characters with the charsmap
  // (U+200B, U+FEFF, a literal U+2581 and some control characters become spaces there), then cuts
  // words at spaces: a text whose end maps to a space ends with a lone U+2581 piece. SentencePiece
  // maps first and then drops trailing whitespace. The end is probed by normalizing the last few
  // characters between two letters: "a" + tail + "a" ends in U+2581 "a" iff the tail ends in a space.
  std::size_t end = text.size();
  while (end > 0) {
    const std::size_t start = utf8::previous_start(text, end);
    if (!utf8::white_space(utf8::decode_at(text, start).value)) break;
    end = start;
  }
  if (end == 0) return false;
  std::size_t begin = end;
  for (int k = 0; k < 8 && begin > 0; ++k) begin = utf8::previous_start(text, begin);
  std::string probe = "a";
  probe.append(text.substr(begin, end - begin));
  probe += 'a';
  std::vector<std::string> pieces;
  if (!spm_->Encode(probe, &pieces).ok() || pieces.empty()) return false;
  const std::string last_word = std::string(kSpace) + "a";
  std::string tail;
  for (auto it = pieces.rbegin(); it != pieces.rend() && tail.size() < last_word.size(); ++it) tail.insert(0, *it);
  return tail.size() >= last_word.size() && tail.compare(tail.size() - last_word.size(), last_word.size(), last_word) == 0;
}

std::string Tokenizer::decode(const TokenIds& ids) const {
  std::string out;
  bool first = true;
  for (const int32_t id : ids) {
    if (id < 0 || id >= spm_->GetPieceSize() || spm_->IsControl(id) || spm_->IsUnknown(id)) continue;
    std::string_view piece = spm_->IdToPiece(id);
    if (first && piece.substr(0, kSpace.size()) == kSpace) piece.remove_prefix(kSpace.size());
    first = false;
    for (std::size_t at = piece.find(kSpace); at != std::string_view::npos; at = piece.find(kSpace)) {
      out.append(piece.substr(0, at));
      out += ' ';
      piece.remove_prefix(at + kSpace.size());
    }
    out.append(piece);
  }
  return out;
}

int Tokenizer::piece_count() const { return spm_->GetPieceSize(); }

}  // namespace pairrm
