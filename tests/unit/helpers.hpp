// Shared by the unit tests.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace pairrm::test {

// The bytes of a file the test needs; fails the test (never skips it) when it is missing.
inline std::string read_file(const char* path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE_MESSAGE(f.good(), "test data needed at ", std::string(path));
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace pairrm::test
