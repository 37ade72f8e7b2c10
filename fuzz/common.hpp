// What the fuzz targets share: the real tokenizer, loaded once, and invariant checks that abort
// (libFuzzer reports an abort as a crash, with the input that caused it).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "pairrm/text/tokenizer.hpp"

#define FUZZ_CHECK(cond)                                                          \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                               \
    }                                                                             \
  } while (0)

inline const pairrm::Tokenizer& fuzz_tokenizer() {
  static const pairrm::Tokenizer t = [] {
    std::ifstream f(PAIRRM_SPM_MODEL, std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "cannot read %s\n", PAIRRM_SPM_MODEL);
      std::abort();
    }
    std::stringstream s;
    s << f.rdbuf();
    return pairrm::Tokenizer(s.str());
  }();
  return t;
}
