#include "model_hooks.hpp"

#include <cstdio>

#include "signals.hpp"

namespace pairrm::cli {

ResolvedModel resolve_model(const std::string& spec, bool quiet, bool export_allowed) {
  ModelCacheHooks hooks;
  // The exporter as this build found it (CMakeLists.txt); the environment may override both.
  hooks.exporter_python = PAIRRM_EXPORTER_PYTHON;
  hooks.exporter_dir = PAIRRM_EXPORTER_DIR;
  hooks.stopped = [] { return requested_stop() != 0; };
  if (!quiet) hooks.note = [](const std::string& line) { std::fprintf(stderr, "pairrm: %s\n", line.c_str()); };
  return pairrm::resolve_model(spec, hooks, export_allowed);
}

}  // namespace pairrm::cli
