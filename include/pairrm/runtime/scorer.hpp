// The seam between the pipeline and a model: "ids in, logits out". Plain C++ (no libtorch), so the
// pipeline is tested with fake scorers; runtime/engine.hpp is the libtorch one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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
  // fit (the caller splits it), Error otherwise. One thread calls a given scorer at a time.
  virtual std::vector<float> score(const Batch& batch) = 0;
  // The device, for messages ("cuda:1").
  virtual std::string name() const { return "device"; }
};

}  // namespace pairrm
