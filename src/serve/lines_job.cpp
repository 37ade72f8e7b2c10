// POST /v1/lines: the CLI as a client (`rank|compare|eval --server`). The body carries the
// subcommand, its options (tasks/options_json.hpp) and input lines; the reply holds each line's
// output line exactly as the subcommand would write it locally (the input record extended), as
// JSON strings: {"lines": ["...", ...]}. The client checks its lines first (the same task step),
// so error records, which name input line numbers, are made on its side.
#include <algorithm>
#include <type_traits>

#include "body.hpp"
#include "jobs.hpp"
#include "pairrm/io/json_writer.hpp"
#include "pairrm/tasks/options_json.hpp"

namespace pairrm::serve {

namespace {
template <typename Handler, typename Options>
std::unique_ptr<RecordHandler> handler_from(const std::string& options, const JobContext& context) {
  Options o;
  options_from_json(options, o);
  o.templ = context.templ;
  if constexpr (std::is_same_v<Options, RankOptions>) o.max_candidates = std::min(o.max_candidates, context.max_candidates);
  return std::make_unique<Handler>(std::move(o));
}
}  // namespace

Made lines_job(const std::string& text, const JobContext& context) {
  auto parsed = Body::parse(text);
  if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
  const Body& body = std::get<Body>(parsed);
  std::optional<std::string> command, options;
  std::optional<std::vector<std::string>> lines;
  if (auto f = body.get("command", command)) return std::move(*f);
  if (auto f = body.get("options", options)) return std::move(*f);
  if (auto f = body.get("lines", lines)) return std::move(*f);
  if (!lines) return error_reply(400, "missing: the input lines", "lines");
  std::vector<std::size_t> numbers;
  if (body.has("line_numbers")) {
    if (auto f = body.get("line_numbers", numbers)) return std::move(*f);
    if (numbers.size() != lines->size() || std::count(numbers.begin(), numbers.end(), 0)) {
      return error_reply(400, "expected one line number (from 1) per line", "line_numbers");
    }
  }
  Job job;
  try {
    const std::string o = options.value_or("{}");
    if (command == "rank") {
      job.handler = handler_from<RankHandler, RankOptions>(o, context);
    } else if (command == "compare") {
      job.handler = handler_from<CompareHandler, CompareOptions>(o, context);
    } else if (command == "eval") {
      job.handler = handler_from<EvalHandler, EvalOptions>(o, context);
    } else {
      return error_reply(400, "expected \"rank\", \"compare\" or \"eval\"", "command");
    }
  } catch (const Error& e) {
    return error_reply(400, e.what(), "options");
  }
  job.lines = std::move(*lines);
  job.line_numbers = std::move(numbers);
  job.keep_raw = true;
  job.respond = [](std::vector<std::string>& outputs, const std::vector<bool>& is_error, std::size_t pairs) {
    JsonWriter w;
    w.begin_object().key("lines").begin_array();
    for (const std::string& line : outputs) w.value(line);
    w.end_array().key("errors").begin_array();  // the places of error records (the server's limits)
    for (std::size_t i = 0; i < is_error.size(); ++i) {
      if (is_error[i]) w.value(i);
    }
    // The pairs scored for them: the client's summary counts them as a local run does.
    return Reply{200, w.end_array().field("pairs", pairs).end_object().str()};
  };
  return job;
}

}  // namespace pairrm::serve
