// The libtorch Scorer: the exported TorchScript module on a CPU or CUDA device.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pairrm/io/model_file.hpp"
#include "pairrm/runtime/scorer.hpp"

namespace pairrm {

struct EngineOptions {
  std::string device = "auto";  // auto | cpu | cuda | cuda:N
  std::string dtype = "auto";   // auto | fp32 | fp16 | bf16
  int threads = 0;              // CPU intra-op threads, 0 = libtorch's default
};

class Engine : public Scorer {
 public:
  // Loads the TorchScript module onto the device. Throws Error with the file and what to do.
  Engine(const ModelFile& model, const EngineOptions& options);
  ~Engine() override;
  std::vector<float> score(const Batch& batch) override;
  // Runs one batch of `rows` x `length` (dummy pairs), so that a batch that does not fit fails at
  // start rather than hours in. Throws OutOfMemory like score().
  void warm_up(int64_t rows, int64_t length);
  bool on_gpu() const;
  std::string device() const;
  std::string dtype() const;
  std::string name() const override { return device(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pairrm
