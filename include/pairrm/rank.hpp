// `pairrm rank`: best-of-N reranking of {"prompt", "candidates": [...]} records.
#pragma once

#include <cstdint>
#include <string>

#include "pairrm/pipeline.hpp"

namespace pairrm {

struct RankOptions {
  std::string prompt_key = "prompt";
  std::string candidates_key = "candidates";
  RankMode mode = RankMode::Full;
  Aggregate aggregate = Aggregate::MaxLogits;
  uint64_t seed = 0;      // bubble's permutation
  std::size_t top_k = 0;  // 0: no "order" field
  bool matrix = false;    // add "logits"
};

class RankHandler : public RecordHandler {
 public:
  explicit RankHandler(RankOptions options) : options_(std::move(options)) {}
  Result<Task> make_task(const JsonObject& object) override;
  std::string finish(std::string_view raw, const Task& task, const Matrix& logits) override;

 private:
  RankOptions options_;
};

// The "logits" field: N x N, diagonal and pairs not run as null, float32 values.
void append_matrix(std::string& out, const Matrix& m);

}  // namespace pairrm
