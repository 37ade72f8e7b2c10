// The record subcommands' options as JSON (tasks/option_list.hpp has the lists): the --server wire
// (how `rank|compare|eval --server` tells the server which handler to make for its lines), the
// fields of a /v1/rank or /v1/compare request, and GET /v1/options, the server's description of
// those fields that clients read instead of repeating the rules. The template is not sent: it is
// the server's model's.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pairrm/tasks/option_list.hpp"

namespace simdjson::dom {
class object;
}  // namespace simdjson::dom

namespace pairrm {

std::string options_json(const RankOptions& o);
std::string options_json(const CompareOptions& o);
std::string options_json(const EvalOptions& o);

// Fields left out keep their defaults. Throws Error naming the field when one has the wrong type
// or an unknown name.
void options_from_json(std::string_view json, RankOptions& o);
void options_from_json(std::string_view json, CompareOptions& o);
void options_from_json(std::string_view json, EvalOptions& o);

// The request-body options (kBody) of `body` into `o`, each one present added to `given`; the
// first of the wrong type or value is the problem naming it. Other fields are not looked at.
std::optional<OptionProblem> body_options(const simdjson::dom::object& body, RankOptions& o, GivenOptions& given);
std::optional<OptionProblem> body_options(const simdjson::dom::object& body, CompareOptions& o, GivenOptions& given);
// Their field names, for "did you mean" and for refusing the others.
std::vector<std::string_view> body_option_fields(const RankOptions& o);
std::vector<std::string_view> body_option_fields(const CompareOptions& o);

// GET /v1/options: {"rank": [option, ...], "compare": [...]}, each option {"name", "type"
// (string | integer | boolean | choice | reference), "default", "help", "choices"?, "min"?}.
std::string body_options_description();

}  // namespace pairrm
