// --shard I/N: shard I of N gets a contiguous range of the input's lines, so that the N outputs
// concatenated in index order are the unsharded output. The file is cut at byte offsets I*size/N,
// each moved forward to the next line start, so a shard reads only its own bytes (plus a scan for
// newlines before it, to number its lines as in the whole input). A shard may be empty.
#pragma once

#include <cstddef>
#include <string>

namespace pairrm {

struct Shard {
  std::size_t index = 0, count = 1;
};

// "I/N" with 0 <= I < N. Throws Error naming --shard.
Shard parse_shard(const std::string& text);

struct ByteRange {
  std::size_t begin = 0, end = 0;  // [begin, end), both at line starts (or the file's end)
  std::size_t first_line = 1;      // the 1-based number of the line at `begin`
};

// Throws Error naming the file when it cannot be read.
ByteRange shard_range(const std::string& path, const Shard& shard);

}  // namespace pairrm
