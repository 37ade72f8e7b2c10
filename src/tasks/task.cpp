#include "pairrm/tasks/task.hpp"

namespace pairrm {

Result<Task> rendered_task(const JsonObject& object, std::string_view prompt_key,
                           const std::vector<std::string_view>& finals, Template t) {
  auto rendered = render_record(object, prompt_key, finals, t);
  if (auto e = error_of(rendered)) return *e;
  Task task;
  task.source = std::move(std::get<Rendered>(rendered).source);
  task.candidates = std::move(std::get<Rendered>(rendered).candidates);
  return task;
}

Result<Task> task_of_line(JsonlReader& reader, RecordHandler& handler) {
  auto parsed = reader.parsed();
  if (auto e = error_of(parsed)) return *e;
  return handler.make_task(std::get<JsonObject>(parsed));
}

}  // namespace pairrm
