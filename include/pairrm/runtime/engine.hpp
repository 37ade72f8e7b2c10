// The model on a device: a Scorer that libtorch runs. The libtorch engine lives in a shared library
// of its own (libpairrm_engine.so, src/runtime/engine.cpp), loaded only when a model first runs, so
// that --help, usage errors, `models`, `info` and `tokenize` start in milliseconds without libtorch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pairrm/choices.hpp"
#include "pairrm/io/model_file.hpp"
#include "pairrm/runtime/scorer.hpp"

namespace pairrm {

// The dtypes by name, once: --dtype is checked against these (runtime/engines.cpp) and the engine
// maps them to libtorch's (engine.cpp).
enum class Dtype { Auto, Fp32, Fp16, Bf16 };
inline constexpr Choice<Dtype> kDtypes[] = {
    {"auto", Dtype::Auto, "bf16 on a GPU that supports it, else fp16; fp32 on the CPU"},
    {"fp32", Dtype::Fp32, ""},
    {"fp16", Dtype::Fp16, ""},
    {"bf16", Dtype::Bf16, ""},
};

struct EngineOptions {
  std::string device = "auto";  // auto | cpu | cuda | cuda:N
  std::string dtype = "auto";   // a name of kDtypes
  int threads = 0;              // CPU intra-op threads, 0 = libtorch's default
};

class Engine : public Scorer {
 public:
  // Runs one batch of `rows` x `length` (dummy pairs), so that a batch that does not fit fails at
  // start rather than hours in. Throws OutOfMemory like score().
  virtual void warm_up(int64_t rows, int64_t length) = 0;
  virtual bool on_gpu() const = 0;
  virtual std::string device() const = 0;
  virtual std::string dtype() const = 0;
  std::string name() const override { return device(); }
};

// Loads the engine library (once) and the TorchScript module onto the device. Throws Error with the
// file and what to do. The library is $PAIRRM_ENGINE_LIBRARY, else libpairrm_engine.so next to
// the running binary.
std::unique_ptr<Engine> load_engine(const ModelFile& model, const EngineOptions& options);

}  // namespace pairrm

// The engine library's one entry point (C linkage, looked up with dlsym): a new engine, or nullptr
// with *error set. Exceptions do not cross it.
extern "C" pairrm::Engine* pairrm_create_engine(const pairrm::ModelFile* model, const pairrm::EngineOptions* options,
                                               std::string* error, bool* out_of_memory);
