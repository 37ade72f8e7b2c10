// Running batches of pairs through the model. Scorer is the seam: the pipeline only needs
// "ids in, logits out", so it is tested with a fake scorer and run with the libtorch Engine.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pairrm/model_file.hpp"

namespace pairrm {

// One batch, right padded: ids and mask [rows, length], markers [rows, 3], row-major.
struct Batch {
  int64_t rows = 0;
  int64_t length = 0;
  std::vector<int64_t> ids, mask, markers;
};

class Scorer {
 public:
  virtual ~Scorer() = default;
  // logits[r] > 0 means row r's candidate1 is better. Throws OutOfMemory when the batch does not
  // fit (the caller splits it), Error otherwise.
  virtual std::vector<float> score(const Batch& batch) = 0;
};

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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pairrm
