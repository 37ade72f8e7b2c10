// pairrm tokenize: input_ids and marker_positions of one ordered pair of every record, exactly as
// the model sees them, for any record shape the scoring subcommands read (debugging, conformance).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "pairrm/io/byte_input.hpp"
#include "pairrm/io/json_writer.hpp"
#include "pairrm/io/model_file.hpp"
#include "model_hooks.hpp"
#include "run_output.hpp"
#include "run_records.hpp"

namespace pairrm::cli {

namespace {

// rank's {"candidates": [...]}, eval's {"chosen", "rejected"}, compare's {"a", "b"} or two
// conversations: the texts each subcommand would score, told apart by their keys.
class AnyShapeHandler : public RecordHandler {
 public:
  AnyShapeHandler(const TokenizeKeys& keys, Template t)
      : keys_(keys), rank_(with(keys.rank, t)), eval_(with(keys.eval, t)), compare_(with(keys.compare, t)) {}
  Result<Task> make_task(const JsonObject& object) override {
    if (object.has(keys_.rank.candidates_key)) return rank_.make_task(object);
    if (object.has(keys_.eval.chosen_key) || object.has(keys_.eval.rejected_key)) return eval_.make_task(object);
    return compare_.make_task(object);
  }
  std::string finish(std::string_view raw, const Task&, const Matrix&) override { return std::string(raw); }

 private:
  template <typename Options>
  static Options with(Options o, Template t) {
    o.templ = t;
    return o;
  }
  TokenizeKeys keys_;
  RankHandler rank_;
  EvalHandler eval_;
  CompareHandler compare_;
};

}  // namespace

int run_tokenize(const CommonOptions& common, TokenizeKeys keys, TokenizePair pair) {
  check_output(common);
  const ModelFile model = read_model_file(common.model, verified_models_dir());
  const Layout layout = make_layout(common, model.info);
  const Tokenizer tokenizer(model.spm_model);
  const TextEncoder encoder(tokenizer, layout.recipe());
  AnyShapeHandler tasks(keys, template_of(model.info));
  FdInput input(common.input, nullptr);
  std::ofstream file_out;
  std::ostream* out = &std::cout;
  if (common.output != "-") {
    file_out.open(common.output, std::ios::binary);
    if (!file_out) throw Error(common.output + ": cannot open the output file for writing (" + std::strerror(errno) + ")");
    out = &file_out;
  }
  JsonlReader reader(input);
  reader.set_max_line_bytes(common.max_line_bytes);
  std::size_t errors = 0;
  while (reader.next()) {
    auto made = task_of_line(reader, tasks, common.pipeline.id_key);
    if (!error_of(made.task)) {
      const auto n = std::get<Task>(made.task).candidates.size();
      if (pair.first >= n || pair.second >= n) {
        const InputError e{reader.line(), "", fmt::format("--pair {},{}: the line has {} candidates", pair.first, pair.second, n)};
        made = {e, error_object(e)};
      }
    }
    if (auto e = error_of(made.task)) {
      ++errors;
      if (common.pipeline.on_error == OnError::Fail) throw Error(describe(*e));
      *out << made.error_record << '\n';
      continue;
    }
    const Task& t = std::get<Task>(made.task);
    const TokenIds src = layout.source_part(encoder.source(t.source));
    std::vector<int64_t> ids;
    auto markers = layout.build(src, encoder.candidate(t.candidates[pair.first]), encoder.candidate(t.candidates[pair.second]), ids);
    JsonWriter fields(true);
    fields.field("input_ids", ids).field("marker_positions", std::vector<int64_t>(markers.begin(), markers.end()));
    *out << extend_object(reader.raw(), fields, {"input_ids", "marker_positions"}) << '\n';
    out->flush();  // each line answered as it arrives, as the scoring subcommands do
  }
  out->flush();
  if (!*out) throw Error(common.output + ": writing the output failed (disk full or closed pipe?)");
  return errors ? 2 : 0;
}

}  // namespace pairrm::cli
