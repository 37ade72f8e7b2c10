// The model cache (io/model_cache.hpp) as the CLI uses it: this build's exporter, the CLI's stop
// signal, and its progress lines on stderr.
#pragma once

#include <string>

#include "pairrm/io/model_cache.hpp"

namespace pairrm::cli {

// resolve_model with the CLI's hooks; quiet: no progress lines.
ResolvedModel resolve_model(const std::string& spec, bool quiet, bool export_allowed = true);

}  // namespace pairrm::cli
