// `pairrm eval`: agreement with human preferences on {"prompt" | "messages", "chosen", "rejected",
// "subset"?} pairs, RewardBench-style: a pair is correct iff M[chosen][rejected] -
// M[rejected][chosen] > 0 (ties count as wrong, as RewardBench counts them).
#pragma once

#include <map>
#include <optional>
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
// Per subset; the key nullopt holds the lines that name no subset, apart from every named one
// (summary: "without_subset"; table: "(no subset)").
using SubsetCounts = std::map<std::optional<std::string>, SubsetCount>;

// A section's score: the weighted mean of its subsets' accuracies. A weight left out (the list
// form) is the number of pairs seen, as RewardBench weights subsets by their example counts.
struct Section {
  std::string name;
  std::vector<std::pair<std::string, std::optional<double>>> subsets;
};

class EvalHandler : public RecordHandler {
 public:
  explicit EvalHandler(EvalOptions options) : options_(std::move(options)) {}
  Result<Task> make_task(const JsonObject& object) override;
  std::string finish(std::string_view raw, const Task& task, const Matrix& logits) override;
  // A line an earlier run wrote (--resume): counted as finish() counted it.
  void resumed(std::string_view output_line) override;
  const SubsetCounts& counts() const { return counts_; }

 private:
  EvalOptions options_;
  SubsetCounts counts_;
};

// Wilson score interval for k successes in n trials, 95% (z = 1.959964); exactly 0 and 1 at the
// ends (k = 0, k = n), [0, 1] for n = 0.
std::pair<double, double> wilson_interval(std::size_t k, std::size_t n);

// Sections from JSON: {"Chat": ["subset", ...], ...} or {"Chat": {"subset": weight, ...}, ...}.
// Throws Error naming `origin` when the JSON is not of that shape or a weight is negative.
std::vector<Section> parse_sections(std::string_view json, const std::string& origin);

// The summary as JSON (per subset n, correct, accuracy, interval; overall; sections) and as a table.
// An accuracy over no pairs is null in the JSON and "null" in the table.
// `error_lines`: input lines that were error records, counted in no subset ("error_lines"; the
// table's last line when there are any).
std::string eval_summary_json(const SubsetCounts& counts, const std::vector<Section>& sections, std::size_t error_lines = 0);
std::string eval_table(const SubsetCounts& counts, const std::vector<Section>& sections, std::size_t error_lines = 0);

}  // namespace pairrm
