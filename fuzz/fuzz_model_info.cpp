// pairrm.json as a model file carries it: either refused with pairrm::Error, or a recipe whose
// limits hold together.
#include <string>

#include "common.hpp"
#include "pairrm/error.hpp"
#include "pairrm/io/model_info.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string json(reinterpret_cast<const char*>(data), size);
  try {
    const pairrm::ModelInfo m = pairrm::parse_model_info(json, "fuzz.pairrm");
    const pairrm::Recipe& r = m.recipe;
    FUZZ_CHECK(r.candidate_max_length >= 3);
    FUZZ_CHECK(r.source_max_length >= (r.source_marker_separate ? 6 : 3));
    FUZZ_CHECK(r.total_max_length == r.source_max_length + 2 * r.candidate_max_length);
    FUZZ_CHECK(r.template_name == "llm-blender" || r.template_name == "better-pairrm");
  } catch (const pairrm::Error&) {
  }
  return 0;
}
