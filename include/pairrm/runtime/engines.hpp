// The model on its devices: --device and --dtype checked before anything is loaded, one engine per
// device of the list, and the GPU warm-up that lowers the token budget until the worst batch fits.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pairrm/io/model_file.hpp"
#include "pairrm/runtime/engine.hpp"
#include "pairrm/schedule/batcher.hpp"
#include "pairrm/text/layout.hpp"

namespace pairrm {

// "cuda:0,1" or "cuda:0,cuda:1" -> one device each; anything else is one device. Throws Error
// naming the option when a device or the dtype is not of a form the engine takes (whether the
// device exists is known only once libtorch is loaded).
std::vector<std::string> device_list(const EngineOptions& options);

struct Engines {
  std::vector<std::unique_ptr<Engine>> engines;
  std::vector<Scorer*> scorers() const;
  std::string where() const;    // "cpu fp32", "cuda:0 bf16, cuda:1 bf16"
  std::string devices() const;  // what --device resolved to: "cpu", "cuda:0,cuda:1"
  std::string dtype() const;    // what --dtype resolved to: "fp32"
};

// Loads the model on every device; on a GPU runs the worst-case batch once, halving
// limits.max_tokens until it fits, and telling `note` each time (the caller prints it or not).
Engines load_engines(const ModelFile& model, const EngineOptions& options, const Layout& layout, BatchLimits& limits,
                     const std::function<void(const std::string&)>& note);

}  // namespace pairrm
