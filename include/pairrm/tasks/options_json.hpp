// The record subcommands' options as JSON, both ways: how `rank|compare|eval --server` tells the
// server which handler to make for its lines. Each struct's fields are listed once (options_json.cpp)
// and both directions follow that list. The template is not sent: it is the server's model's.
#pragma once

#include <string>
#include <string_view>

#include "pairrm/tasks/compare.hpp"
#include "pairrm/tasks/eval.hpp"
#include "pairrm/tasks/rank.hpp"

namespace pairrm {

std::string options_json(const RankOptions& o);
std::string options_json(const CompareOptions& o);
std::string options_json(const EvalOptions& o);

// Fields left out keep their defaults. Throws Error naming the field when one has the wrong type
// or an unknown name.
void options_from_json(std::string_view json, RankOptions& o);
void options_from_json(std::string_view json, CompareOptions& o);
void options_from_json(std::string_view json, EvalOptions& o);

}  // namespace pairrm
