// -m as a model file, a Hugging Face checkpoint directory, or a Hub name (org/name[@revision]): a
// directory or name is exported once, by the project's own exporter, into a cache, and later runs
// load the cached file without Python or the network (README, "A real model").
#pragma once

#include <string>
#include <vector>

namespace pairrm::cli {

struct ResolvedModel {
  std::string path;      // the model file to load
  std::string source;    // what -m said
  std::string revision;  // the resolved Hub commit ("" for files and directories)
  bool cached = false;   // path is in the cache
};

// The cache: $PAIRRM_MODEL_CACHE, else ~/.cache/pairrm/models.
std::string model_cache_dir();
// Throws Error naming the model and what to do (offline, unknown name, no exporter, no space).
ResolvedModel resolve_model(const std::string& spec, bool quiet);

struct CachedModel {
  std::string path;
  std::uintmax_t bytes = 0;
};
std::vector<CachedModel> list_cached_models();

}  // namespace pairrm::cli
