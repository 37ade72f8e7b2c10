// What a model file says about itself: pairrm.json inside the archive (written by the exporter).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pairrm/text/recipe.hpp"

namespace pairrm {

inline constexpr int kFormatVersion = 1;

struct ModelInfo {
  int format_version = 0;
  std::string model_name, revision;
  Recipe recipe;
  SpecialTokens tokens;
  int hidden_size = 0, num_layers = 0, num_heads = 0, vocab_size = 0;
  std::string tokenizer_sha256;
  std::string weights_sha256;  // of the archive's weight records; "" in files from before it existed
  std::string json;  // the raw pairrm.json
};

// Parses pairrm.json; `origin` names the model file in error messages. Throws pairrm::Error.
ModelInfo parse_model_info(std::string_view json, const std::string& origin);


}  // namespace pairrm
