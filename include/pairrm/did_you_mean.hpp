// "Did you mean": the known name nearest a misspelt one (an option, a subcommand, a record key, a
// request field), for error messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pairrm {

// The name of `known` at the smallest edit distance from `word` (insertions, deletions,
// substitutions, and '-' and '_' counted as the same), when that distance is at most a third of the
// word's length (and at least 1): "--topk" -> "--top-k", "rnak" -> "rank", "candidate" -> "candidates".
// Ties go to the earlier name. None when nothing is that close.
std::optional<std::string> closest_name(std::string_view word, const std::vector<std::string_view>& known);

}  // namespace pairrm
