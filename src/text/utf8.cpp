#include "pairrm/text/utf8.hpp"

namespace pairrm::utf8 {

CodePoint decode_at(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  const std::size_t len = sequence_length(lead);
  if (i + len > s.size()) return {0xfffd, 1};
  char32_t c = len == 1 ? lead : len == 2 ? (lead & 0x1fu) : len == 3 ? (lead & 0x0fu) : (lead & 0x07u);
  for (std::size_t k = 1; k < len; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3fu);
  return {c, len};
}

std::size_t previous_start(std::string_view s, std::size_t end) {
  std::size_t start = end - 1;
  while (start > 0 && end - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  return start;
}

std::size_t count(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a continuation byte
  return n;
}

namespace {
bool common_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
         c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}
}  // namespace

bool python_space(char32_t c) { return common_space(c) || (c >= 0x1c && c <= 0x1f); }

bool white_space(char32_t c) { return common_space(c); }

}  // namespace pairrm::utf8
