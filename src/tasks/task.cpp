#include "pairrm/tasks/task.hpp"

#include "pairrm/io/json_writer.hpp"

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

LineTask task_of_line(JsonlReader& reader, RecordHandler& handler, std::string_view id_key) {
  auto parsed = reader.parsed();
  if (auto e = error_of(parsed)) return {*e, error_object(*e)};
  LineTask out{handler.make_task(std::get<JsonObject>(parsed)), {}};
  if (auto e = error_of(out.task)) {
    const auto id = id_key.empty() ? std::nullopt : raw_member_value(reader.raw(), id_key);
    out.error_record = error_object(*e, id_key, id.value_or(std::string_view{}));
  }
  return out;
}

}  // namespace pairrm
