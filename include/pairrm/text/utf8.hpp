// Small UTF-8 helpers for text the JSON reader has already validated. Hand-written: the few
// questions asked here (a code point's length and value, two whitespace classes) do not justify a
// Unicode library, and each class is defined by the reference whose behaviour we reproduce.
#pragma once

#include <cstddef>
#include <string_view>

namespace pairrm::utf8 {

// Bytes in the sequence that starts with `lead` (1 for a stray continuation byte).
constexpr std::size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xe) return 3;
  if ((lead >> 3) == 0x1e) return 4;
  return 1;
}

struct CodePoint {
  char32_t value;
  std::size_t length;  // bytes
};

// The code point at byte `i` (U+FFFD, 1 byte, for a sequence cut short).
CodePoint decode_at(std::string_view s, std::size_t i);

// Byte offset where the code point that ends at byte `end` (exclusive) starts.
std::size_t previous_start(std::string_view s, std::size_t end);

// Python's len() of the text.
std::size_t count(std::string_view s);

// Python's str.isspace() (what str.strip() and jinja's trim remove): includes U+001C..U+001F.
bool python_space(char32_t c);

// Unicode White_Space, Rust's char::is_whitespace (what the tokenizers library's Strip removes).
bool white_space(char32_t c);

}  // namespace pairrm::utf8
