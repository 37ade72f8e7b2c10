// `pairrm serve`: its flags, and the model loaded for the server (src/serve/ does the rest).
#include "serve_command.hpp"

#include <memory>

#include "pairrm/runtime/engines.hpp"
#include "model_hooks.hpp"
#include "options.hpp"
#include "reporter.hpp"
#include "run_records.hpp"
#include "signals.hpp"
#include "pairrm/serve/serve.hpp"

namespace pairrm::cli {

namespace {

std::unique_ptr<serve::ServedModel> load_served_model(const CommonOptions& common) {
  auto m = std::make_unique<serve::ServedModel>();
  m->file = read_model_file(common.model, verified_models_dir());
  m->layout = std::make_unique<Layout>(make_layout(common, m->file.info));
  m->tokenizer = std::make_unique<Tokenizer>(m->file.spm_model);
  m->encoder = std::make_unique<TextEncoder>(*m->tokenizer, m->layout->recipe());
  m->pipeline = common.pipeline;
  m->engines = load_engines(m->file, common.engine, *m->layout, m->pipeline.limits, engine_notes(common.quiet));
  m->scorers = m->engines.scorers();
  m->where = m->engines.where();
  return m;
}

}  // namespace

Subcommand add_serve(CLI::App& parent) {
  auto common = std::make_shared<CommonOptions>();
  auto o = std::make_shared<serve::ServeOptions>();
  auto* app = parent.add_subcommand(
      "serve", "serve the model over HTTP (docs/serve.md): /v1/rank, /v1/compare, /v1/rerank, /get_reward (OpenRLHF), "
               "/health, /metrics, /v1/model");
  app->add_option("-m,--model", common->model, "model file, checkpoint directory or Hub name")->envname("PAIRRM_MODEL");
  app->add_option("--host", o->host, "address to listen on (0.0.0.0 or :: for every interface: set --api-key)")
      ->capture_default_str();
  app->add_option("--port", o->port, "port, 0 = one the system picks (printed)")->capture_default_str()->check(CLI::Range(0, 65535));
  app->add_option("--api-key", o->api_key, "require \"Authorization: Bearer KEY\" (all but /health)")->envname("PAIRRM_API_KEY");
  app->add_option("--max-concurrent-requests", o->max_concurrent_requests, "more in flight get 429 at once")
      ->capture_default_str()->check(at_least(1));
  app->add_option("--max-body-bytes", o->max_body_bytes, "larger bodies get 413 (units: KiB, MiB, ...)")
      ->transform(CLI::AsSizeValue(false))->default_str(std::to_string(o->max_body_bytes >> 20) + "MiB");
  app->add_option("--max-inflight-bytes", o->max_inflight_bytes,
                  "request bodies in flight (parsing takes ~15x their size at its peak); past it, 429")
      ->transform(CLI::AsSizeValue(false))->default_str(std::to_string(o->max_inflight_bytes >> 20) + "MiB");
  app->add_option("--max-candidates", o->max_candidates, "a record with more candidates: 422 (in a batch, its error)")
      ->capture_default_str()->check(at_least(1));
  app->add_option("--shutdown-timeout", o->shutdown_timeout, "seconds a SIGTERM waits for requests in flight")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app->add_option("--keep-alive", o->keep_alive_seconds, "seconds an idle connection stays open")
      ->capture_default_str()->check(at_least(1));
  auto registered = std::make_shared<Registered>();
  registered->add(*app, [](CliAdder& a, CommonOptions& c) { visit_engine_options(a, c); }, *common);
  app->add_flag("-q,--quiet", common->quiet, "no messages but errors and the listening line");
  return {app, [=] {
            device_list(common->engine);  // a bad --device or --dtype is refused before any model work
            const StopSignal& stop = install_stop_signals();
            common->model = resolve_model(common->model, common->quiet).path;
            return serve::run_server(*o, stop, [common] { return load_served_model(*common); });
          }};
}

}  // namespace pairrm::cli
