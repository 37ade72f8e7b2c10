// Reading a pairrm model file: the TorchScript archive written by scripts/pairrm_export, with
// pairrm.json and spm.model inside, read with libzip (no libtorch). Checked before any weights are
// loaded.
#pragma once

#include <string>

#include "pairrm/io/model_info.hpp"

namespace pairrm {

struct ModelFile {
  std::string path;
  ModelInfo info;
  std::string spm_model;  // the SentencePiece model bytes
  // The model's identity for run manifests and summaries: SHA-256 over every record of the archive
  // (name, size, bytes) in name order, made in the same pass that checks the weights.
  std::string sha256;
};

// Throws pairrm::Error naming the file, what is wrong and what to do: missing, not a model file
// (or truncated), a format version this build does not read, weights or a tokenizer that fail their
// hash. Reads the whole file once; with verified_dir, a file already checked in this very state
// (device, inode, size, modification and status-change times) is trusted without reading its
// weights again, and a newly checked one is remembered there.
ModelFile read_model_file(const std::string& path, const std::string& verified_dir = "");

}  // namespace pairrm
