// `pairrm eval`: agreement with human preferences on {"prompt" | "messages", "chosen", "rejected",
// "subset"?} pairs, RewardBench-style: a pair is correct iff M[chosen][rejected] -
// M[rejected][chosen] > 0 (ties count as wrong, as RewardBench counts them).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pairrm/text/conversation.hpp"
#include "pairrm/tasks/task.hpp"

namespace pairrm {

struct EvalOptions {
  std::string prompt_key = "prompt";
  std::string chosen_key = "chosen";
  std::string rejected_key = "rejected";
  std::string subset_key = "subset";
  Template templ = Template::LlmBlender;
};

struct SubsetCount {
  std::size_t n = 0, correct = 0;
};

// A section's score: the weighted mean of its subsets' accuracies (RewardBench weights subsets by
// their example counts). Weight 0 = "use the number of pairs seen".
struct Section {
  std::string name;
  std::vector<std::pair<std::string, double>> subsets;
};

class EvalHandler : public RecordHandler {
 public:
  explicit EvalHandler(EvalOptions options) : options_(std::move(options)) {}
  Result<Task> make_task(const JsonObject& object) override;
  std::string finish(std::string_view raw, const Task& task, const Matrix& logits) override;
  // A line an earlier run wrote (--resume): counted as finish() counted it.
  void resumed(std::string_view output_line) override;
  const std::map<std::string, SubsetCount>& counts() const { return counts_; }

 private:
  EvalOptions options_;
  std::map<std::string, SubsetCount> counts_;
};

// Wilson score interval for k successes in n trials, 95% (z = 1.959964).
std::pair<double, double> wilson_interval(std::size_t k, std::size_t n);

// Sections from JSON: {"Chat": ["subset", ...], ...} or {"Chat": {"subset": weight, ...}, ...}.
// Throws Error naming `origin` when the JSON is not of that shape.
std::vector<Section> parse_sections(std::string_view json, const std::string& origin);

// The summary as JSON (per subset n, correct, accuracy, interval; overall; sections) and as a table.
std::string eval_summary_json(const std::map<std::string, SubsetCount>& counts, const std::vector<Section>& sections);
std::string eval_table(const std::map<std::string, SubsetCount>& counts, const std::vector<Section>& sections);

}  // namespace pairrm
