#include "pairrm/tasks/eval.hpp"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pairrm {

Result<Task> EvalHandler::make_task(const JsonObject& object) {
  auto chosen = object.string(options_.chosen_key);
  if (auto e = error_of(chosen)) return *e;
  auto rejected = object.string(options_.rejected_key);
  if (auto e = error_of(rejected)) return *e;
  auto subset = object.optional_string(options_.subset_key);
  if (auto e = error_of(subset)) return *e;
  auto rendered = render_record(object, options_.prompt_key,
                                {std::get<std::string_view>(chosen), std::get<std::string_view>(rejected)}, options_.templ);
  if (auto e = error_of(rendered)) return *e;
  Task task;
  task.source = std::move(std::get<Rendered>(rendered).source);
  task.candidates = std::move(std::get<Rendered>(rendered).candidates);
  task.planner = make_fixed_planner(2, {{0, 1}, {1, 0}});
  task.label = std::string(std::get<std::optional<std::string_view>>(subset).value_or("all"));
  return task;
}

std::string EvalHandler::finish(std::string_view raw, const Task& task, const Matrix& m) {
  const double margin = two_order_margin(m, 0, 1);
  const bool correct = margin > 0;
  SubsetCount& c = counts_[task.label];
  ++c.n;
  c.correct += correct;
  std::string fields = "\"logit_cr\":";
  append_float(fields, static_cast<float>(m[0][1]));
  fields += ",\"logit_rc\":";
  append_float(fields, static_cast<float>(m[1][0]));
  fields += ",\"margin\":";
  append_number(fields, margin);
  fields += correct ? ",\"correct\":true" : ",\"correct\":false";
  return extend_object(raw, fields);
}

std::pair<double, double> wilson_interval(std::size_t k, std::size_t n) {
  if (n == 0) return {0.0, 1.0};
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
        s.subsets.emplace_back(std::string(sub), 0.0);
      }
    } else if (!value.get_object().get(weights)) {
      for (auto [sub, w] : weights) {
        double weight = 0;
        if (w.is_int64()) {
          weight = static_cast<double>(w.get_int64().value_unsafe());
        } else if (w.get_double().get(weight)) {
          throw Error(origin + ": section \"" + s.name + "\": weights must be numbers");
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

std::vector<SectionScore> score_sections(const std::map<std::string, SubsetCount>& counts, const std::vector<Section>& sections) {
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
      const double weight = w > 0 ? w : static_cast<double>(it->second.n);
      acc += weight * it->second.correct / static_cast<double>(it->second.n);
      total_w += weight;
      r.n += it->second.n;
    }
    r.score = total_w > 0 ? acc / total_w : std::nan("");
    out.push_back(std::move(r));
  }
  return out;
}

SubsetCount overall(const std::map<std::string, SubsetCount>& counts) {
  SubsetCount all;
  for (const auto& [name, c] : counts) {
    all.n += c.n;
    all.correct += c.correct;
  }
  return all;
}

void append_count(std::string& out, const SubsetCount& c) {
  const auto [lo, hi] = wilson_interval(c.correct, c.n);
  out += fmt::format("{{\"n\":{},\"correct\":{},\"accuracy\":", c.n, c.correct);
  append_number(out, c.n ? static_cast<double>(c.correct) / c.n : std::nan(""));
  out += ",\"interval95\":[";
  append_number(out, lo);
  out += ',';
  append_number(out, hi);
  out += "]}";
}

}  // namespace

std::string eval_summary_json(const std::map<std::string, SubsetCount>& counts, const std::vector<Section>& sections) {
  std::string out = "{\"subsets\":{";
  bool first = true;
  for (const auto& [name, c] : counts) {
    if (!first) out += ',';
    first = false;
    append_string(out, name);
    out += ':';
    append_count(out, c);
  }
  out += "},\"overall\":";
  append_count(out, overall(counts));
  if (!sections.empty()) {
    out += ",\"sections\":{";
    bool f = true;
    for (const SectionScore& s : score_sections(counts, sections)) {
      if (!f) out += ',';
      f = false;
      append_string(out, s.name);
      out += ":{\"score\":";
      append_number(out, s.score);
      out += ",\"n\":" + std::to_string(s.n) + ",\"missing_subsets\":[";
      for (std::size_t i = 0; i < s.missing.size(); ++i) {
        if (i) out += ',';
        append_string(out, s.missing[i]);
      }
      out += "]}";
    }
    out += '}';
  }
  out += '}';
  return out;
}

std::string eval_table(const std::map<std::string, SubsetCount>& counts, const std::vector<Section>& sections) {
  std::string out = fmt::format("{:<28} {:>7} {:>9}  {}\n", "subset", "n", "accuracy", "95% interval");
  auto row = [&](const std::string& name, const SubsetCount& c) {
    const auto [lo, hi] = wilson_interval(c.correct, c.n);
    out += fmt::format("{:<28} {:>7} {:>9.4f}  [{:.4f}, {:.4f}]\n", name, c.n, c.n ? double(c.correct) / c.n : 0.0, lo, hi);
  };
  for (const auto& [name, c] : counts) row(name, c);
  row("overall", overall(counts));
  for (const SectionScore& s : score_sections(counts, sections)) {
    out += fmt::format("section {:<20} {:>7} {:>9.4f}{}\n", s.name, s.n, s.score,
                       s.missing.empty() ? "" : fmt::format("  (missing: {})", fmt::join(s.missing, ", ")));
  }
  return out;
}

}  // namespace pairrm
