// /v1/rerank: Cohere's shape, which vLLM and Infinity serve too. The documents are ranked as `pairrm
// rank` ranks candidates in full mode with max_logits, and each document's relevance_score is its
// score there.
#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "body.hpp"
#include "jobs.hpp"
#include "pairrm/io/json_writer.hpp"
#include "pairrm/tasks/rank.hpp"

namespace pairrm::serve {

namespace {

class RerankHandler : public RecordHandler {
 public:
  RerankHandler(RankOptions rank, std::size_t top_n, std::vector<std::string> documents)
      : rank_(std::move(rank)), top_n_(top_n), documents_(std::move(documents)) {}
  Result<Task> make_task(const JsonObject& object) override { return rank_.make_task(object); }
  std::string finish(std::string_view, const Task& task, const Matrix& logits) override {
    const RankOutcome r = rank_outcome(RankMode::Full, Aggregate::MaxLogits, *task.planner, logits);
    std::vector<std::size_t> order(r.scores.size());
    std::iota(order.begin(), order.end(), 0);
    // Best first; an exact tie keeps the lower index first (rank's tie rule).
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return r.scores[a] > r.scores[b]; });
    if (top_n_ && order.size() > top_n_) order.resize(top_n_);
    JsonWriter w;
    w.begin_object().key("results").begin_array();
    for (const std::size_t i : order) {
      w.begin_object().field("index", i).field("relevance_score", r.scores[i]);
      if (!documents_.empty()) w.key("document").begin_object().field("text", documents_[i]).end_object();
      w.end_object();
    }
    return w.end_array().end_object().str();
  }

 private:
  RankHandler rank_;
  std::size_t top_n_;
  std::vector<std::string> documents_;  // kept for return_documents only
};

}  // namespace

Made rerank_job(const std::string& text, const JobContext& context) {
  auto parsed = Body::parse(text);
  if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
  const Body& body = std::get<Body>(parsed);
  std::optional<uint64_t> top_n;
  std::optional<bool> return_documents;
  std::optional<std::vector<std::string>> documents;
  if (auto f = body.get("top_n", top_n)) return std::move(*f);
  if (auto f = body.get("return_documents", return_documents)) return std::move(*f);
  if (auto f = body.get("documents", documents)) return std::move(*f);
  if (!body.has("query")) return error_reply(400, "missing: the query to rank the documents for", "query");
  if (!documents) return error_reply(400, "missing: the documents to rank", "documents");
  if (documents->size() > context.max_candidates) {
    return error_reply(422, fmt::format("{} documents, over the server's --max-candidates {}", documents->size(),
                                        context.max_candidates),
                       "documents");
  }
  RankOptions o;
  o.templ = context.templ;
  o.max_candidates = context.max_candidates;
  o.prompt_key = "query";
  o.candidates_key = "documents";
  Job job;
  job.single = true;
  job.lines.push_back(body.as_line());
  if (!return_documents.value_or(false)) documents->clear();
  job.handler = std::make_unique<RerankHandler>(std::move(o), top_n.value_or(0), std::move(*documents));
  job.respond = [](std::vector<std::string>& outputs, const std::vector<bool>&, std::size_t) { return Reply{200, outputs.front()}; };
  return job;
}

}  // namespace pairrm::serve
