// Named values of an enum, declared once next to the enum: the CLI derives its accepted values,
// help text and defaults from these tables, output code its names, and every reader of a name (the
// command line, a request body, the --server wire) finds it with find_choice.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pairrm {

template <typename E>
struct Choice {
  std::string_view name;
  E value;
  std::string_view help;
};

template <typename E, std::size_t N>
constexpr std::string_view name_of(const Choice<E> (&table)[N], E value) {
  for (const auto& c : table) {
    if (c.value == value) return c.name;
  }
  return "?";
}

// The entry named `name`, or null.
template <typename E, std::size_t N>
constexpr const Choice<E>* find_choice(const Choice<E> (&table)[N], std::string_view name) {
  for (const auto& c : table) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// "a, b, c" (or with another separator): the names, for messages and help.
template <typename E, std::size_t N>
std::string choice_names(const Choice<E> (&table)[N], std::string_view separator = ", ") {
  std::string out;
  for (const auto& c : table) out += (out.empty() ? "" : std::string(separator)) + std::string(c.name);
  return out;
}

// The message for a name that is not in the table.
template <typename E, std::size_t N>
std::string not_a_choice(const Choice<E> (&table)[N], std::string_view name) {
  return "\"" + std::string(name) + "\" is not one of " + choice_names(table);
}

}  // namespace pairrm
