// Reading a pairrm model file: the TorchScript archive written by scripts/pairrm_export, with
// pairrm.json and spm.model inside. Checked before any weights are loaded.
#pragma once

#include <string>

#include "pairrm/io/model_info.hpp"

namespace pairrm {

struct ModelFile {
  std::string path;
  ModelInfo info;
  std::string spm_model;  // the SentencePiece model bytes
};

// Throws pairrm::Error naming the file, what is wrong and what to do: missing, not a model file
// (or truncated), a format version this build does not read, a tokenizer that fails its hash.
ModelFile read_model_file(const std::string& path);

}  // namespace pairrm
