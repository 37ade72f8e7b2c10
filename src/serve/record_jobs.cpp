// /v1/rank and /v1/compare: the CLI's own handlers, one record (the body) or a batch of them
// ("records", "pairs"), with the subcommand's options as fields of the body.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <simdjson.h>

#include "body.hpp"
#include "jobs.hpp"
#include "pairrm/io/json_writer.hpp"
#include "pairrm/did_you_mean.hpp"
#include "pairrm/tasks/options_json.hpp"

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
    job.respond = [](std::vector<std::string>& outputs, const std::vector<bool>&, std::size_t) { return Reply{200, outputs.front()}; };
    return std::nullopt;
  }
  job.respond = [](std::vector<std::string>& outputs, const std::vector<bool>&, std::size_t) { return batch_reply(outputs); };
  return body.lines(batch_key, job.lines);
}

// "topk", "top-k", "Top_K": lowercase, separators dropped.
std::string folded(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (c != '_' && c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// In the single form the body is the record, whose own fields pass through to the answer; one
// that is an option spelt another way ("topk", "top-k", "Top_K") is a typo that would be ignored.
// Only that is refused: a record's "model" field is not a misspelt "mode".
Failure misspelt_option(const Body& body, const std::vector<std::string_view>& options, const std::string& path) {
  for (const auto field : body.object()) {
    const std::string_view key = field.key;
    if (std::find(options.begin(), options.end(), key) != options.end()) continue;
    for (const auto option : options) {
      if (folded(key) == folded(option)) {
        return error_reply(400, "not an option of " + path + ": did you mean " + std::string(option) +
                                    "? (GET /v1/options lists them)",
                           key);
      }
    }
  }
  return std::nullopt;
}

// The batch form's top level holds the batch and the options, nothing else.
Failure unknown_batch_field(const Body& body, std::string_view batch_key, const std::vector<std::string_view>& options,
                            const std::string& path) {
  for (const auto field : body.object()) {
    const std::string_view key = field.key;
    if (key == batch_key || std::find(options.begin(), options.end(), key) != options.end()) continue;
    std::string names;
    for (const auto o : options) names += ", " + std::string(o);
    const auto near = closest_name(key, options);
    return error_reply(400,
                       "not an option of " + path + (near ? ": did you mean " + *near + "?" : "") + " (the batch form has \"" +
                           std::string(batch_key) + "\" and the options" + names + "; a record's own fields go in each record)",
                       key);
  }
  return std::nullopt;
}

template <typename Options>
Failure read_options(const Body& body, Options& o, GivenOptions& given, std::string_view batch_key, const std::string& path) {
  const auto fields = body_option_fields(o);
  if (auto problem = body_options(body.object(), o, given)) return error_reply(400, problem->message, problem->field);
  if (auto f = body.has(batch_key) ? unknown_batch_field(body, batch_key, fields, path) : misspelt_option(body, fields, path)) {
    return f;
  }
  return std::nullopt;
}

}  // namespace

Made rank_job(const std::string& text, const JobContext& context) {
  auto parsed = Body::parse(text, "records");
  if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
  const Body& body = std::get<Body>(parsed);
  RankOptions o;
  o.templ = context.templ;
  o.max_candidates = context.max_candidates;
  GivenOptions given;
  if (auto f = read_options(body, o, given, "records", "/v1/rank")) return std::move(*f);
  Job job;
  if (auto f = record_lines(body, "records", job)) return std::move(*f);
  if (!job.single && body.has("reference_text")) {
    return error_reply(400, "in the batch form, give reference_text in each record", "reference_text");
  }
  // A reference text: the field "reference_text" of each record (of every record in a batch).
  const bool by_text = job.single ? body.has("reference_text")
                                  : !job.lines.empty() && raw_member_value(job.lines.front(), "reference_text");
  if (by_text) {
    o.reference_key = "reference_text";
    given.insert("reference_key");
  }
  for (std::size_t i = 1; !job.single && i < job.lines.size(); ++i) {
    if (raw_member_value(job.lines[i], "reference_text").has_value() != by_text) {
      return error_reply(400, "give reference_text in every record of the batch or in none",
                         fmt::format("records[{}].reference_text", i));
    }
  }
  // The CLI's rules (tasks/option_list.hpp), options named by their fields.
  const auto name = [](std::string_view field) { return std::string(field == "reference_key" ? "reference_text" : field); };
  if (auto problem = check_options(o, given, name)) return error_reply(400, problem->message, name(problem->field));
  if (job.single) {
    const std::size_t n = body.array_size(o.candidates_key).value_or(0);
    if (n > o.max_candidates) {
      return error_reply(422,
                         fmt::format("{} candidates, over the server's --max-candidates {} (full mode would run {} "
                                     "pairs); split the request, or raise the server's limit",
                                     n, o.max_candidates, n * (n - 1)),
                         o.candidates_key);
    }
    if (o.reference == ReferenceChoice::Index && body.array_size(o.candidates_key) && o.reference_index >= n) {
      return error_reply(400, fmt::format("candidate {} is the reference, but there are {} candidates (0 to {})",
                                          o.reference_index, n, n ? n - 1 : 0),
                         "reference");
    }
  }
  job.handler = std::make_unique<RankHandler>(std::move(o));
  return job;
}

Made compare_job(const std::string& text, const JobContext& context) {
  auto parsed = Body::parse(text, "pairs");
  if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
  const Body& body = std::get<Body>(parsed);
  CompareOptions o;
  o.templ = context.templ;
  GivenOptions given;
  if (auto f = read_options(body, o, given, "pairs", "/v1/compare")) return std::move(*f);
  Job job;
  if (auto f = record_lines(body, "pairs", job)) return std::move(*f);
  job.handler = std::make_unique<CompareHandler>(std::move(o));
  return job;
}

}  // namespace pairrm::serve
