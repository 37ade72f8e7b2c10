#include "pairrm/tasks/option_list.hpp"

#include <charconv>

namespace pairrm {

std::optional<std::string> parse_reference(std::string_view text, ReferenceChoice& choice, std::size_t& index) {
  if (const auto* c = find_choice(kReferenceChoices, text)) {
    choice = c->value;
    return std::nullopt;
  }
  std::size_t k = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), k);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return "expected a candidate index (0, 1, ...) or one of " + choice_names(kReferenceChoices) + ", got \"" +
           std::string(text) + "\"";
  }
  choice = ReferenceChoice::Index;
  index = k;
  return std::nullopt;
}

std::string reference_text(ReferenceChoice choice, std::size_t index) {
  if (choice == ReferenceChoice::None) return "";
  if (choice == ReferenceChoice::Index) return std::to_string(index);
  return std::string(name_of(kReferenceChoices, choice));
}

std::optional<OptionProblem> check_options(const RankOptions& o, const GivenOptions& given, const OptionName& name) {
  const auto has = [&](std::string_view field) { return given.count(field) > 0; };
  if (has("reference") && has("reference_key")) {
    return OptionProblem{"reference", "give " + name("reference") + " or " + name("reference_key") + ", not both"};
  }
  if (has("reference") || has("reference_key")) {
    for (const char* field : {"mode", "aggregate", "seed"}) {
      if (has(field)) {
        return OptionProblem{field, name("mode") + ", " + name("aggregate") + " and " + name("seed") +
                                        " do not apply with a reference: each candidate is scored against it"};
      }
    }
  }
  if (o.mode != RankMode::Full && has("aggregate")) {
    return OptionProblem{"aggregate", name("aggregate") + " applies to " + name("mode") +
                                          " full only; bubble and knockout rank by how far candidates got"};
  }
  if (o.mode != RankMode::Bubble && has("seed")) {
    return OptionProblem{"seed", name("seed") + " applies to " + name("mode") +
                                     " bubble only (its random order); full and knockout use no randomness"};
  }
  return std::nullopt;
}

}  // namespace pairrm
