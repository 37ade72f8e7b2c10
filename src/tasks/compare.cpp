#include "pairrm/tasks/compare.hpp"

#include <cmath>

#include "pairrm/io/json_writer.hpp"

namespace pairrm {

Result<Task> CompareHandler::make_task(const JsonObject& object) {
  Task task;
  if (object.has(options_.conversation_a_key) || object.has(options_.conversation_b_key)) {
    auto rendered = render_conversation_pair(object, options_.conversation_a_key, options_.conversation_b_key, options_.templ);
    if (auto e = error_of(rendered)) return *e;
    task.source = std::move(std::get<Rendered>(rendered).source);
    task.candidates = std::move(std::get<Rendered>(rendered).candidates);
  } else {
    auto a = object.string(options_.a_key);
    if (auto e = error_of(a)) return *e;
    auto b = object.string(options_.b_key);
    if (auto e = error_of(b)) return *e;
    auto made = rendered_task(object, options_.prompt_key, {std::get<std::string_view>(a), std::get<std::string_view>(b)},
                              options_.templ);
    if (auto e = error_of(made)) return *e;
    task = std::move(std::get<Task>(made));
  }
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
  JsonWriter w(true);
  w.key("logit_ab").value_float(static_cast<float>(ab));
  w.key("logit_ba").value_float(static_cast<float>(ba));
  w.field("margin", margin).field("p_a_better", p).field("winner", margin > 0 ? "a" : margin < 0 ? "b" : "tie");
  return extend_object(options_.echo_input ? raw : std::string_view("{}"), w);
}

}  // namespace pairrm
