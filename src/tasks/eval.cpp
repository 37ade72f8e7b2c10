#include "pairrm/tasks/eval.hpp"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <simdjson.h>

#include "pairrm/io/json_writer.hpp"

namespace pairrm {


Result<Task> EvalHandler::make_task(const JsonObject& object) {
  auto chosen = object.string(options_.chosen_key);
  if (auto e = error_of(chosen)) return *e;
  auto rejected = object.string(options_.rejected_key);
  if (auto e = error_of(rejected)) return *e;
  auto subset = object.optional_string(options_.subset_key);
  if (auto e = error_of(subset)) return *e;
  auto made = rendered_task(object, options_.prompt_key,
                            {std::get<std::string_view>(chosen), std::get<std::string_view>(rejected)}, options_.templ);
  if (auto e = error_of(made)) return *e;
  Task& task = std::get<Task>(made);
  task.planner = make_fixed_planner(2, {{0, 1}, {1, 0}});
  const auto named = std::get<std::optional<std::string_view>>(subset);
  task.state = named ? std::optional<std::string>(std::string(*named)) : std::nullopt;  // the subset
  return made;
}

void EvalHandler::resumed(std::string_view output_line) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(output_line);
  simdjson::dom::object obj;
  bool correct = false;
  if (parser.parse(padded).get_object().get(obj) || obj["correct"].get_bool().get(correct)) return;  // an error record
  std::string_view subset;
  const bool named = !obj[options_.subset_key].get_string().get(subset);
  SubsetCount& c = counts_[named ? std::optional<std::string>(std::string(subset)) : std::nullopt];
  ++c.n;
  c.correct += correct;
}

std::string EvalHandler::finish(std::string_view raw, const Task& task, const Matrix& m) {
  const double margin = two_order_margin(m, 0, 1);
  const bool correct = margin > 0;
  SubsetCount& c = counts_[std::any_cast<const std::optional<std::string>&>(task.state)];
  ++c.n;
  c.correct += correct;
  JsonWriter w(true);
  w.key("logit_cr").value_float(static_cast<float>(m[0][1]));
  w.key("logit_rc").value_float(static_cast<float>(m[1][0]));
  w.field("margin", margin).field("correct", correct);
  return extend_object(raw, w);
}

std::pair<double, double> wilson_interval(std::size_t k, std::size_t n) {
  if (n == 0) return {0.0, 1.0};
  if (k == 0 || k == n) {  // the closed form's rounding would leave 5.6e-17 or 1 - 1e-16
    const double z2 = 1.959963984540054 * 1.959963984540054, nn = static_cast<double>(n);
    const double inner = nn / (nn + z2);
    return k == 0 ? std::pair{0.0, 1 - inner} : std::pair{inner, 1.0};
  }
  const double z = 1.959963984540054;
  const double p = static_cast<double>(k) / n, nn = static_cast<double>(n);
  const double denom = 1 + z * z / nn;
  const double centre = (p + z * z / (2 * nn)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::vector<Section> parse_sections(std::string_view json, const std::string& origin) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::object root;
  if (parser.parse(padded).get_object().get(root)) {
    throw Error(origin + ": sections must be a JSON object {\"Section\": [\"subset\", ...] or {\"subset\": weight}}");
  }
  std::vector<Section> out;
  for (auto [name, value] : root) {
    Section s{std::string(name), {}};
    simdjson::dom::array list;
    simdjson::dom::object weights;
    if (!value.get_array().get(list)) {
      for (auto item : list) {
        std::string_view sub;
        if (item.get_string().get(sub)) throw Error(origin + ": section \"" + s.name + "\": subset names must be strings");
        s.subsets.emplace_back(std::string(sub), std::nullopt);
      }
    } else if (!value.get_object().get(weights)) {
      for (auto [sub, w] : weights) {
        double weight = 0;
        if (w.is_int64()) {
          weight = static_cast<double>(w.get_int64().value_unsafe());
        } else if (w.get_double().get(weight)) {
          throw Error(origin + ": section \"" + s.name + "\": weights must be numbers");
        }
        if (!(weight >= 0)) {
          throw Error(origin + ": section \"" + s.name + "\": the weight of \"" + std::string(sub) +
                      "\" is negative; weights are 0 or more");
        }
        s.subsets.emplace_back(std::string(sub), weight);
      }
    } else {
      throw Error(origin + ": section \"" + s.name + "\" must be a list of subsets or an object of weights");
    }
    out.push_back(std::move(s));
  }
  return out;
}

namespace {

struct SectionScore {
  std::string name;
  double score = 0;
  std::size_t n = 0;
  std::vector<std::string> missing;
};

std::vector<SectionScore> score_sections(const SubsetCounts& counts, const std::vector<Section>& sections) {
  std::vector<SectionScore> out;
  for (const Section& s : sections) {
    SectionScore r{s.name, 0, 0, {}};
    double total_w = 0, acc = 0;
    for (const auto& [sub, w] : s.subsets) {
      auto it = counts.find(sub);
      if (it == counts.end() || it->second.n == 0) {
        r.missing.push_back(sub);
        continue;
      }
      const double weight = w ? *w : static_cast<double>(it->second.n);
      acc += weight * it->second.correct / static_cast<double>(it->second.n);
      total_w += weight;
      r.n += it->second.n;
    }
    r.score = total_w > 0 ? acc / total_w : std::nan("");
    out.push_back(std::move(r));
  }
  return out;
}

SubsetCount overall(const SubsetCounts& counts) {
  SubsetCount all;
  for (const auto& [name, c] : counts) {
    all.n += c.n;
    all.correct += c.correct;
  }
  return all;
}

void write_count(JsonWriter& w, const SubsetCount& c) {
  const auto [lo, hi] = wilson_interval(c.correct, c.n);
  w.begin_object().field("n", c.n).field("correct", c.correct);
  w.field("accuracy", c.n ? static_cast<double>(c.correct) / c.n : std::nan(""));
  w.field("interval95", std::vector<double>{lo, hi}).end_object();
}

}  // namespace

std::string eval_summary_json(const SubsetCounts& counts, const std::vector<Section>& sections, std::size_t error_lines) {
  JsonWriter w;
  w.begin_object().key("subsets").begin_object();
  for (const auto& [name, c] : counts) {
    if (name) write_count(w.key(*name), c);
  }
  w.end_object();
  if (auto none = counts.find(std::nullopt); none != counts.end()) write_count(w.key("without_subset"), none->second);
  write_count(w.key("overall"), overall(counts));
  w.field("error_lines", error_lines);
  if (!sections.empty()) {
    w.key("sections").begin_object();
    for (const SectionScore& s : score_sections(counts, sections)) {
      w.key(s.name).begin_object().field("score", s.score).field("n", s.n).field("missing_subsets", s.missing).end_object();
    }
    w.end_object();
  }
  w.end_object();
  return w.str();
}

std::string eval_table(const SubsetCounts& counts, const std::vector<Section>& sections, std::size_t error_lines) {
  // As the JSON says it: an accuracy over no pairs is null, not 0.
  const auto number = [](double x) { return std::isnan(x) ? std::string("null") : fmt::format("{:.4f}", x); };
  std::string out = fmt::format("{:<28} {:>7} {:>9}  {}\n", "subset", "n", "accuracy", "95% interval");
  auto row = [&](const std::string& name, const SubsetCount& c) {
    const auto [lo, hi] = wilson_interval(c.correct, c.n);
    out += fmt::format("{:<28} {:>7} {:>9}  [{:.4f}, {:.4f}]\n", name, c.n,
                       number(c.n ? double(c.correct) / c.n : std::nan("")), lo, hi);
  };
  for (const auto& [name, c] : counts) row(name ? *name : "(no subset)", c);
  row("overall", overall(counts));
  for (const SectionScore& s : score_sections(counts, sections)) {
    out += fmt::format("section {:<20} {:>7} {:>9}{}\n", s.name, s.n, number(s.score),
                       s.missing.empty() ? "" : fmt::format("  (missing: {})", fmt::join(s.missing, ", ")));
  }
  if (error_lines) out += fmt::format("{} error line{} (in no subset; their error records are in the output)\n", error_lines, error_lines == 1 ? "" : "s");
  return out;
}

}  // namespace pairrm
