// The `serve` subcommand (the server itself: src/serve/).
#pragma once

#include "subcommands.hpp"

namespace pairrm::cli {

Subcommand add_serve(CLI::App& parent);

}  // namespace pairrm::cli
