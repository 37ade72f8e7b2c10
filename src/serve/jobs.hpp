// What each scoring endpoint asks of the pipeline: its records as JSONL lines (read by the same
// line-to-task step and handlers as the CLI's input lines), and how their finished outputs become
// the reply. A maker returns a Job, or the reply that refuses the request (400 naming the field,
// 422).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "pairrm/tasks/rank.hpp"
#include "pairrm/tasks/task.hpp"
#include "pairrm/text/conversation.hpp"
#include "reply.hpp"

namespace pairrm::serve {

// What the makers need to know of the server.
struct JobContext {
  Template templ = Template::LlmBlender;  // the model's
  std::size_t max_candidates = RankOptions{}.max_candidates;
};

struct Job {
  std::unique_ptr<RecordHandler> handler;
  std::vector<std::string> lines;  // one record each, in the request's order
  // The single form: a bad record is the request's 400 (its error, located), not a result.
  bool single = false;
  // Outputs extend each record's own line (the CLI's output), not just its "id".
  bool keep_raw = false;
  // Each line's number in its input (else its place in the request, from 1): error records name it.
  std::vector<std::size_t> line_numbers;
  // Each record's output (its handler's finish(), or its error record) in order -> the reply.
  // `pairs`: how many the model scored for them.
  std::function<Reply(std::vector<std::string>& outputs, const std::vector<bool>& is_error, std::size_t pairs)> respond;
};
using Made = std::variant<Job, Reply>;

Made rank_job(const std::string& body, const JobContext& context);
Made compare_job(const std::string& body, const JobContext& context);
Made rerank_job(const std::string& body, const JobContext& context);
Made reward_job(const std::string& body, const JobContext& context);
Made lines_job(const std::string& body, const JobContext& context);

// The results of a batch form: {"results": [output, ...]}; of the single form: the one output.
Reply batch_reply(std::vector<std::string>& outputs);

}  // namespace pairrm::serve
