#include "pairrm/compare.hpp"

#include <cmath>

namespace pairrm {

Result<Task> CompareHandler::make_task(const JsonObject& object) {
  auto prompt = object.string(options_.prompt_key);
  if (auto e = error_of(prompt)) return *e;
  auto a = object.string(options_.a_key);
  if (auto e = error_of(a)) return *e;
  auto b = object.string(options_.b_key);
  if (auto e = error_of(b)) return *e;
  Task task;
  task.source = std::string(std::get<std::string_view>(prompt));
  task.candidates = {std::string(std::get<std::string_view>(a)), std::string(std::get<std::string_view>(b))};
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
