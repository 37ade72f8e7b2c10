#include "pairrm/tasks/compare.hpp"

#include <cmath>

namespace pairrm {

Result<Task> CompareHandler::make_task(const JsonObject& object) {
  Result<Rendered> rendered = Rendered{};
  if (object.has(options_.conversation_a_key) || object.has(options_.conversation_b_key)) {
    rendered = render_conversation_pair(object, options_.conversation_a_key, options_.conversation_b_key, options_.templ);
  } else {
    auto a = object.string(options_.a_key);
    if (auto e = error_of(a)) return *e;
    auto b = object.string(options_.b_key);
    if (auto e = error_of(b)) return *e;
    rendered = render_record(object, options_.prompt_key,
                             {std::get<std::string_view>(a), std::get<std::string_view>(b)}, options_.templ);
  }
  if (auto e = error_of(rendered)) return *e;
  Task task;
  task.source = std::move(std::get<Rendered>(rendered).source);
  task.candidates = std::move(std::get<Rendered>(rendered).candidates);
  std::vector<PairRequest> pairs;
  if (options_.order != Order::BA) pairs.push_back({0, 1});
  if (options_.order != Order::AB) pairs.push_back({1, 0});
  task.planner = make_fixed_planner(2, std::move(pairs));
  return task;
}

std::string CompareHandler::finish(std::string_view raw, const Task&, const Matrix& m) {
  const double ab = m[0][1], ba = m[1][0];
  double margin = 0, p = 0;
  switch (options_.order) {
    case Order::Both: margin = ab - ba; p = 1.0 / (1.0 + std::exp(-margin / 2)); break;
    case Order::AB: margin = ab; p = 1.0 / (1.0 + std::exp(-margin)); break;
    case Order::BA: margin = -ba; p = 1.0 / (1.0 + std::exp(-margin)); break;
  }
  std::string fields = "\"logit_ab\":";
  append_float(fields, static_cast<float>(ab));
  fields += ",\"logit_ba\":";
  append_float(fields, static_cast<float>(ba));
  fields += ",\"margin\":";
  append_number(fields, margin);
  fields += ",\"p_a_better\":";
  append_number(fields, p);
  fields += ",\"winner\":";
  fields += margin > 0 ? "\"a\"" : margin < 0 ? "\"b\"" : "\"tie\"";
  return options_.echo_input ? extend_object(raw, fields) : "{" + fields + "}";
}

}  // namespace pairrm
