// Named values of an enum, declared once next to the enum: the CLI derives its accepted values,
// help text and defaults from these tables, and output code its names.
#pragma once

#include <cstddef>
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

}  // namespace pairrm
