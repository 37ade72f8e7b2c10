// /get_reward: OpenRLHF's remote reward model protocol. A pairwise model needs something to compare
// with: each response is scored against its reference answer in "labels", as LLM-Blender's
// rank_with_ref scores a candidate, reward = M[response][label] - M[label][response] (`pairrm rank
// --reference-key`).
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "body.hpp"
#include "chat_turns.hpp"
#include "jobs.hpp"
#include "pairrm/io/json_writer.hpp"
#include "pairrm/tasks/rank.hpp"

namespace pairrm::serve {

namespace {

// Each record {"prompt" | "messages", "candidates": [response], "label": reference}; the output is
// the response's reward as a bare JSON number.
class RewardHandler : public RecordHandler {
 public:
  explicit RewardHandler(RankOptions rank) : rank_(std::move(rank)) {}
  Result<Task> make_task(const JsonObject& object) override { return rank_.make_task(object); }
  std::string finish(std::string_view, const Task&, const Matrix& logits) override {
    JsonWriter w;
    w.value(reference_rewards(logits, 1, 1).front());
    return w.str();
  }

 private:
  RankHandler rank_;
};

// LLM-Blender's conversation format has no system turn: a template's default system prompt
// (Qwen 2.5's, Llama 3.1's) is left out of the record for that template.
std::string record_line(Exchange e, const std::string& label, Template templ) {
  if (templ == Template::LlmBlender) {
    e.conversation.erase(std::remove_if(e.conversation.begin(), e.conversation.end(),
                                        [](const Turn& t) { return t.role == "system"; }),
                         e.conversation.end());
  }
  JsonWriter w;
  w.begin_object();
  if (e.conversation.size() == 1) {
    w.field("prompt", e.conversation.front().content);
  } else {
    w.key("messages").begin_array();
    for (const Turn& t : e.conversation) w.begin_object().field("role", t.role).field("content", t.content).end_object();
    w.end_array();
  }
  w.key("candidates").begin_array().value(e.response).end_array();
  return w.field("label", label).end_object().str();
}

}  // namespace

Made reward_job(const std::string& text, const JobContext& context) {
  auto parsed = Body::parse(text);
  if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
  const Body& body = std::get<Body>(parsed);
  std::optional<std::vector<std::string>> queries, prompts, labels;
  if (auto f = body.get("query", queries)) return std::move(*f);
  if (auto f = body.get("prompts", prompts)) return std::move(*f);
  if (!queries) return error_reply(400, "missing: the list of prompt+response strings", "query");
  if (auto f = body.get("labels", labels)) return std::move(*f);
  const bool no_labels = !labels || std::all_of(labels->begin(), labels->end(), [](const std::string& l) { return l.empty(); });
  if (no_labels) {  // OpenRLHF sends "" for every sample when its dataset has no label key
    return error_reply(422,
                       "a pairwise model scores a response against a reference answer: send one per query in "
                       "\"labels\" (OpenRLHF: --label_key)",
                       "labels");
  }
  if (labels->size() != queries->size()) {
    return error_reply(400, fmt::format("{} labels for {} queries", labels->size(), queries->size()), "labels");
  }
  if (prompts && prompts->size() != queries->size()) {
    return error_reply(400, fmt::format("{} prompts for {} queries", prompts->size(), queries->size()), "prompts");
  }
  Job job;
  for (std::size_t i = 0; i < queries->size(); ++i) {
    auto split = split_query((*queries)[i], prompts ? std::optional<std::string_view>((*prompts)[i]) : std::nullopt);
    if (auto* why = std::get_if<std::string>(&split)) {
      return error_reply(422, "the query " + *why, fmt::format("query[{}]", i));
    }
    job.lines.push_back(record_line(std::move(std::get<Exchange>(split)), (*labels)[i], context.templ));
  }
  RankOptions o;
  o.templ = context.templ;
  o.reference_key = "label";
  job.handler = std::make_unique<RewardHandler>(std::move(o));
  job.respond = [](std::vector<std::string>& outputs, const std::vector<bool>& is_error, std::size_t) {
    // "scores": OpenRLHF's 0-1 score for dynamic sampling, here sigmoid(reward).
    JsonWriter w;
    w.begin_object().key("rewards").begin_array();
    std::vector<double> rewards;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      if (is_error[i]) return error_reply(400, fmt::format("query[{}]: {}", i, outputs[i]), fmt::format("query[{}]", i));
      w.raw_value(outputs[i]);
      // finish() wrote a number, or null for a logit that is not finite
      rewards.push_back(outputs[i] == "null" ? std::nan("") : std::strtod(outputs[i].c_str(), nullptr));
    }
    w.end_array().key("scores").begin_array();
    for (const double r : rewards) w.value(1.0 / (1.0 + std::exp(-r)));  // NaN stays NaN: null
    return Reply{200, w.end_array().end_object().str()};
  };
  return job;
}

}  // namespace pairrm::serve
