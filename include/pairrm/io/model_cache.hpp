// -m as a model file, a Hugging Face checkpoint directory, or a Hub name (org/name[@revision]): a
// directory or name is exported once, by the project's own exporter, into a cache, and later runs
// load the cached file without Python or the network (README, "A real model").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pairrm {

struct ResolvedModel {
  std::string path;      // the model file to load
  std::string source;    // what -m said
  std::string revision;  // the resolved Hub commit ("" for files and directories)
  bool cached = false;   // path is in the cache
  // With export = false: what exporting would do, when the model is not exported yet (path is "").
  std::string not_exported;
};

// The cache: $PAIRRM_MODEL_CACHE, else ~/.cache/pairrm/models.
std::string model_cache_dir();
// Where model files checked once are remembered (read_model_file's verified_dir).
std::string verified_models_dir();
// What resolving needs of its caller: the exporter to run (PAIRRM_PYTHON and PAIRRM_EXPORTER_DIR
// override both), whether a stop was asked for (a stop ends an export: the exporter is told and
// waited for), and where its progress lines go ("exporting X into the model cache"; none: quiet).
struct ModelCacheHooks {
  std::string exporter_python;
  std::string exporter_dir;
  std::function<bool()> stopped;
  std::function<void(const std::string&)> note;
};

// Throws Error naming the model and what to do (offline, unknown name, no exporter, no space, a
// name the Hub would refuse). export = false: never exports; says what it would do instead.
ResolvedModel resolve_model(const std::string& spec, const ModelCacheHooks& hooks, bool export_allowed = true);

struct CachedModel {
  std::string path;
  std::uintmax_t bytes = 0;
};
std::vector<CachedModel> list_cached_models();

}  // namespace pairrm
