// /v1/rank and /v1/compare: the CLI's own handlers, one record (the body) or a batch of them
// ("records", "pairs"), with the subcommand's options as fields of the body.
#include <fmt/format.h>

#include "body.hpp"
#include "jobs.hpp"
#include "pairrm/io/json_writer.hpp"
#include "pairrm/tasks/compare.hpp"
#include "pairrm/tasks/rank.hpp"

namespace pairrm::serve {

Reply batch_reply(std::vector<std::string>& outputs) {
  std::string body = "{\"results\":[";
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (i) body += ',';
    body += outputs[i];
  }
  body += "]}";
  return {200, std::move(body)};
}

namespace {

// The records: the body itself, or each element of `batch_key` when the body has that key.
Failure record_lines(const Body& body, std::string_view batch_key, Job& job) {
  job.single = !body.has(batch_key);
  if (job.single) {
    job.lines.push_back(body.as_line());
    job.respond = [](std::vector<std::string>& outputs, const std::vector<bool>&) { return Reply{200, outputs.front()}; };
    return std::nullopt;
  }
  job.respond = [](std::vector<std::string>& outputs, const std::vector<bool>&) { return batch_reply(outputs); };
  return body.lines(batch_key, job.lines);
}

// "reference": a candidate index or one of the named choices (the CLI's --reference).
Failure read_reference(const Body& body, RankOptions& o) {
  if (!body.has("reference")) return std::nullopt;
  std::optional<uint64_t> index;
  if (!body.get("reference", index)) {
    o.reference = ReferenceChoice::Index;
    o.reference_index = *index;
    return std::nullopt;
  }
  std::optional<std::string> name;
  std::string names;
  if (!body.get("reference", name)) {
    for (const auto& c : kReferenceChoices) {
      if (c.name == *name) {
        o.reference = c.value;
        return std::nullopt;
      }
    }
  }
  for (const auto& c : kReferenceChoices) names += ", " + std::string(c.name);
  return error_reply(400, "expected a candidate index (0, 1, ...) or one of" + names.substr(1), "reference");
}

}  // namespace

Made rank_job(const std::string& text, const JobContext& context) {
  auto parsed = Body::parse(text);
  if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
  const Body& body = std::get<Body>(parsed);
  RankOptions o;
  o.templ = context.templ;
  o.max_candidates = context.max_candidates;
  std::optional<RankMode> mode;
  std::optional<Aggregate> aggregate;
  std::optional<uint64_t> seed, top_k;
  std::optional<bool> matrix;
  if (auto f = body.get("mode", mode, kRankModes)) return std::move(*f);
  if (auto f = body.get("aggregate", aggregate, kAggregates)) return std::move(*f);
  if (auto f = body.get("seed", seed)) return std::move(*f);
  if (auto f = body.get("top_k", top_k)) return std::move(*f);
  if (auto f = body.get("matrix", matrix)) return std::move(*f);
  if (auto f = read_reference(body, o)) return std::move(*f);
  if (top_k && *top_k == 0) return error_reply(400, "expected a whole number of at least 1", "top_k");
  Job job;
  if (auto f = record_lines(body, "records", job)) return std::move(*f);
  if (!job.single && body.has("reference_text")) {
    return error_reply(400, "in the batch form, give reference_text in each record", "reference_text");
  }
  // A reference text: the field "reference_text" of each record (of every record in a batch).
  const bool by_text = job.single ? body.has("reference_text")
                                  : !job.lines.empty() && raw_member_value(job.lines.front(), "reference_text");
  if (by_text) o.reference_key = "reference_text";
  for (std::size_t i = 1; !job.single && i < job.lines.size(); ++i) {
    if (raw_member_value(job.lines[i], "reference_text").has_value() != by_text) {
      return error_reply(400, "give reference_text in every record of the batch or in none",
                         fmt::format("records[{}].reference_text", i));
    }
  }
  // The CLI's rules: an option that would change nothing is refused.
  if (by_text && o.reference != ReferenceChoice::None) {
    return error_reply(400, "give reference or reference_text, not both", "reference");
  }
  const bool with_reference = by_text || o.reference != ReferenceChoice::None;
  if (with_reference && (mode || aggregate || seed)) {
    return error_reply(400, "mode, aggregate and seed do not apply with a reference: each candidate is scored against it",
                       mode ? "mode" : aggregate ? "aggregate" : "seed");
  }
  o.mode = mode.value_or(o.mode);
  o.aggregate = aggregate.value_or(o.aggregate);
  if (o.mode != RankMode::Full && aggregate) {
    return error_reply(400, "aggregate applies to mode full only; bubble and knockout rank by how far candidates got",
                       "aggregate");
  }
  if (o.mode != RankMode::Bubble && seed) {
    return error_reply(400, "seed applies to mode bubble only (its random order)", "seed");
  }
  o.seed = seed.value_or(0);
  o.top_k = top_k.value_or(0);
  o.matrix = matrix.value_or(false);
  if (job.single) {
    const std::size_t n = body.array_size(o.candidates_key).value_or(0);
    if (n > o.max_candidates) {
      return error_reply(422,
                         fmt::format("{} candidates, over the server's --max-candidates {} (full mode would run {} "
                                     "pairs); split the request, or raise the server's limit",
                                     n, o.max_candidates, n * (n - 1)),
                         o.candidates_key);
    }
  }
  job.handler = std::make_unique<RankHandler>(std::move(o));
  return job;
}

Made compare_job(const std::string& text, const JobContext& context) {
  auto parsed = Body::parse(text);
  if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
  const Body& body = std::get<Body>(parsed);
  CompareOptions o;
  o.templ = context.templ;
  std::optional<Order> order;
  if (auto f = body.get("order", order, kOrders)) return std::move(*f);
  o.order = order.value_or(o.order);
  Job job;
  if (auto f = record_lines(body, "pairs", job)) return std::move(*f);
  job.handler = std::make_unique<CompareHandler>(std::move(o));
  return job;
}

}  // namespace pairrm::serve
