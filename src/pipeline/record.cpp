#include "pairrm/pipeline/record.hpp"

#include <string_view>
#include <unordered_map>

namespace pairrm {

namespace {
std::shared_ptr<const Encoded> encode(const Task& task, const TextEncoder& encoder, const Layout& layout) {
  auto e = std::make_shared<Encoded>();
  e->source_part = layout.source_part(encoder.source(task.source));
  std::unordered_map<std::string_view, const TokenIds*> seen;
  for (const std::string& text : task.candidates) {
    auto it = seen.find(text);
    if (it == seen.end()) {
      e->distinct.push_back(std::make_unique<TokenIds>(encoder.candidate(text)));
      it = seen.emplace(text, e->distinct.back().get()).first;
    }
    e->candidate_pieces.push_back(it->second);
  }
  return e;
}
}  // namespace

std::unique_ptr<Record> make_record(std::size_t line, std::string raw, LineTask made, const TextEncoder& encoder,
                                    const Layout& layout) {
  auto record = std::make_unique<Record>();
  record->line = line;
  record->raw = std::move(raw);
  if (auto e = error_of(made.task)) {
    record->error = *e;
    record->output = std::move(made.error_record);
    record->done = true;
    return record;
  }
  record->task = std::move(std::get<Task>(made.task));
  record->encoded = encode(record->task, encoder, layout);
  record->logits = nan_matrix(record->task.candidates.size());
  return record;
}

}  // namespace pairrm
