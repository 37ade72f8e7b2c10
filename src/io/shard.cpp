#include "pairrm/io/shard.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <vector>

#include "pairrm/error.hpp"

namespace pairrm {

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  Shard s;
  auto number = [&](std::string_view part, std::size_t& out) {
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return !part.empty() && ec == std::errc() && end == part.data() + part.size();
  };
  const std::string_view t(text);
  if (slash == std::string::npos || !number(t.substr(0, slash), s.index) || !number(t.substr(slash + 1), s.count) ||
      s.count == 0 || s.index >= s.count) {
    throw Error("--shard " + text + ": expected I/N with 0 <= I < N, e.g. --shard 0/4 (as SLURM_ARRAY_TASK_ID counts)");
  }
  return s;
}

ByteRange shard_range(const std::string& path, const Shard& shard) {
  std::error_code ec;
  const std::size_t size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(path + ": --shard needs a regular input file (" + ec.message() + ")");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the input file");
  // The first line start at or after `offset`.
  auto align = [&](std::size_t offset) -> std::size_t {
    if (offset == 0 || offset >= size) return std::min(offset, size);
    in.clear();
    in.seekg(static_cast<std::streamoff>(offset - 1));
    std::string rest;
    std::getline(in, rest);
    return in.eof() ? size : offset - 1 + rest.size() + 1;
  };
  ByteRange r;
  const auto cut = [&](std::size_t i) { return static_cast<std::size_t>((static_cast<unsigned __int128>(size) * i) / shard.count); };
  r.begin = align(cut(shard.index));
  r.end = align(cut(shard.index + 1));
  // Number the lines: count the newlines before `begin`.
  in.clear();
  in.seekg(0);
  std::vector<char> block(1 << 20);
  std::size_t left = r.begin;
  while (left > 0 && in) {
    in.read(block.data(), static_cast<std::streamsize>(std::min(left, block.size())));
    const auto got = static_cast<std::size_t>(in.gcount());
    r.first_line += static_cast<std::size_t>(std::count(block.data(), block.data() + got, '\n'));
    left -= got;
  }
  return r;
}

}  // namespace pairrm
