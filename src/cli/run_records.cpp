#include "run_records.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "pairrm/runtime/engines.hpp"
#include "pairrm/io/byte_input.hpp"
#include "pairrm/io/model_file.hpp"
#include "pairrm/io/output_lock.hpp"
#include "pairrm/io/shard.hpp"
#include "reporter.hpp"
#include "run_remote.hpp"
#include "model_hooks.hpp"
#include "run_output.hpp"
#include "signals.hpp"

namespace pairrm::cli {

Layout make_layout(const CommonOptions& common, const ModelInfo& info) {
  return Layout(with_limits(info.recipe, common.source_max_length, common.candidate_max_length), info.tokens);
}

namespace {

// The run's description for its manifest: what produced the output.
RunManifest describe_run(const CommonOptions& common, const std::string& model_sha256) {
  RunManifest m;
  m.tool = "pairrm " PAIRRM_VERSION;
  m.command = common.command;
  m.model_sha256 = model_sha256;
  m.options = common.output_options;
  m.input = common.input;
  m.shard = common.shard;
  return m;
}

// The input's bytes: a file (a shard's byte range of it), stdin, or the caller's stream.
struct RunInput {
  std::unique_ptr<ByteInput> bytes;
  std::optional<JsonlReader> reader;
  std::size_t size = 0;  // a regular file's (or shard's) bytes, for the ETA; 0 when unknown
};

void open_input(RunInput& in, const CommonOptions& common, const std::optional<ByteRange>& range,
                std::istream* override_in, const StopSignal& stop) {
  if (override_in) {
    in.bytes = std::make_unique<StreamInput>(*override_in);
  } else {
    in.bytes = std::make_unique<FdInput>(common.input, &stop, range ? range->begin : 0);
    std::error_code ec;
    if (common.input != "-" && std::filesystem::is_regular_file(common.input, ec)) {
      in.size = range ? range->end - range->begin : std::filesystem::file_size(common.input, ec);
    }
  }
  if (range) {
    in.reader.emplace(*in.bytes, range->first_line, range->end - range->begin);
  } else {
    in.reader.emplace(*in.bytes);
  }
  in.reader->set_max_line_bytes(common.max_line_bytes);
}

// scored, kept: this run's pairs scored and those of them in the lines it wrote (a stop lets the
// batches running finish and writes every line they complete; the rest is left to --resume).
int stopped_exit(int signal, std::size_t lines, bool to_file, std::size_t scored = 0, std::size_t kept = 0) {
  const std::string pairs =
      scored ? "; this run scored " + std::to_string(scored) + " pairs, " + std::to_string(kept) + " of them in lines written"
             : "";
  std::fprintf(stderr, "pairrm: stopped by signal %d; %zu lines written%s%s\n", signal, lines, pairs.c_str(),
               to_file ? "; rerun with --resume to continue" : "");
  return 128 + signal;
}

// The model: a file loaded here, or a server's (--server), of which only the metadata is here.
struct RunModel {
  std::optional<ModelFile> file;
  std::unique_ptr<serve::RemoteServer> server;
  std::size_t server_max_body = 0;
  ModelInfo info;
  std::string sha256, where;
};

// Empty when a stop came first (the server's answer was cut short).
std::optional<RunModel> open_model(const CommonOptions& common, const StopSignal& stop) {
  RunModel m;
  if (common.server.empty()) {
    m.file = read_model_file(common.model, verified_models_dir());
    m.info = m.file->info;
    m.sha256 = m.file->sha256;
    return m;
  }
  m.server = std::make_unique<serve::RemoteServer>(common.server, common.api_key, &stop);
  const auto remote = m.server->model();
  if (!remote) return std::nullopt;
  m.info = parse_model_info(remote->info_json, common.server + "/v1/model");
  m.sha256 = remote->sha256;
  m.where = common.server + " (" + remote->devices + ")";
  m.server_max_body = remote->max_body_bytes;
  return m;
}

}  // namespace

int run_records(const CommonOptions& common, const std::function<MadeHandler(const ModelInfo&)>& make_handler,
                std::istream* override_in, OutputTotals* totals) {
  const StopSignal& stop = install_stop_signals();
  check_output(common);  // before the model loads, and before anything is opened for writing
  check_summary(common.run_summary, common);
  // One writer per output, decided before anything loads; held until the run ends.
  std::optional<OutputLock> lock;
  if (output_is_file(common)) lock.emplace(common.output);
  std::optional<ByteRange> range;
  if (!common.shard.empty()) {
    const Shard shard = parse_shard(common.shard);
    if (override_in || common.input == "-") throw Error("--shard needs -i FILE: a shard is a byte range of the input file");
    range = shard_range(common.input, shard);
  }
  auto opened = open_model(common, stop);
  if (!opened) return stopped_exit(stop.value(), 0, false);
  RunModel& model = *opened;
  const MadeHandler made = make_handler(model.info);
  RecordHandler& handler = made.handler;

  RunOutput output(common, describe_run(common, model.sha256), [&](std::string_view line) { handler.resumed(line); });
  const int kept_code = output.kept().errors ? 2 : 0;
  if (totals) *totals = {output.kept().lines, output.kept().errors};
  if (output.already_complete()) return kept_code;

  PipelineOptions pipeline = common.pipeline;
  std::optional<Layout> layout;
  std::optional<Tokenizer> tokenizer;
  std::optional<TextEncoder> encoder;
  Engines engines;
  if (model.file) {
    layout.emplace(make_layout(common, model.info));
    tokenizer.emplace(model.file->spm_model);
    encoder.emplace(*tokenizer, layout->recipe());
    engines = load_engines(*model.file, common.engine, *layout, pipeline.limits, engine_notes(common.quiet));
    model.where = engines.where();
    output.resolve("--device", engines.devices());
    output.resolve("--dtype", engines.dtype());
  }
  if (stop.value()) return stopped_exit(stop.value(), output.kept().lines, output.to_file());

  RunInput input;
  open_input(input, common, range, override_in, stop);
  std::ostream& out = output.open();
  output.skip_answered(*input.reader);
  if (stop.value()) return stopped_exit(stop.value(), output.kept().lines, output.to_file());

  Reporter reporter(common, input.size);
  OrderedWriter writer(out, output.journal(), common.output == "-" ? "stdout" : common.output);
  auto report = [&](const Summary& s) { reporter.update(s); };
  const Summary s = model.server
                        ? run_remote(*input.reader, writer, handler,
                                     {*model.server, made.command, made.options_json, model.server_max_body},
                                     pipeline, &stop, report)
                        : run_pipeline(*input.reader, writer, handler, *encoder, *layout, engines.scorers(), pipeline,
                                       &stop, report);
  if (totals) *totals = {output.kept().lines + s.written, output.kept().errors + s.written_errors};
  const double seconds = reporter.seconds();
  reporter.finish(s, model.where);
  if (!common.run_summary.empty()) write_run_summary(common, s, seconds, model.where, model.sha256);
  if (s.stopped_by) {
    out.flush();
    return stopped_exit(s.stopped_by, output.kept().lines + s.written, output.to_file(), s.pairs, s.pairs_written);
  }
  output.complete();
  return s.errors || kept_code ? 2 : 0;
}

}  // namespace pairrm::cli
