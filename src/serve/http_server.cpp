// The HTTP side of `pairrm serve` (cpp-httplib, from Debian; nothing else includes it): routes,
// auth, admission, error bodies, and the lifecycle (bind, load, serve, drain).
//
// Threads: cpp-httplib gives each connection a thread of its pool for as long as it stays open; a
// request's records are made on that thread and it waits there for them. The calling thread runs
// the pipeline (the first device's worker); a watcher thread waits for the stop and drains.
#include "pairrm/serve/serve.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "connection.hpp"
#include "jobs.hpp"
#include "pairrm/tasks/options_json.hpp"
#include "metrics.hpp"
#include "pairrm/error.hpp"
#include "pairrm/io/json_writer.hpp"
#include "request_runner.hpp"

namespace pairrm::serve {

namespace {

using Clock = std::chrono::steady_clock;
enum class Phase { Loading, Ready, Draining };
constexpr int kClientLeft = 499;  // nginx's status for a client that closed first (metrics only)

// Requests and body bytes in flight, refused past either limit (429 at once, never queued).
class Admission {
 public:
  explicit Admission(const ServeOptions& o) : max_requests_(o.max_concurrent_requests), max_bytes_(o.max_inflight_bytes) {}
  // "" when admitted (then leave() must follow), else why not.
  std::string enter(std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    if (requests_ >= max_requests_) {
      return fmt::format("{} requests in flight, the server's --max-concurrent-requests; retry shortly", requests_);
    }
    // One request is always let in, whatever its size (it is within --max-body-bytes).
    if (requests_ > 0 && bytes_ + bytes > max_bytes_) {
      return fmt::format("{} bytes of requests in flight, this one would pass the server's --max-inflight-bytes {}; "
                         "retry shortly", bytes_, max_bytes_);
    }
    ++requests_;
    bytes_ += bytes;
    return {};
  }
  void leave(std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    --requests_;
    bytes_ -= bytes;
  }
  std::size_t bytes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return bytes_;
  }

 private:
  const std::size_t max_requests_, max_bytes_;
  mutable std::mutex mu_;
  std::size_t requests_ = 0, bytes_ = 0;
};

struct Endpoint {
  const char* path;
  Made (*make)(const std::string&, const JobContext&);
};
constexpr Endpoint kJobs[] = {
    {"/v1/rank", rank_job}, {"/v1/compare", compare_job}, {"/v1/rerank", rerank_job}, {"/get_reward", reward_job},
    {"/v1/lines", lines_job}};
constexpr const char* kGets[] = {"/health", "/metrics", "/v1/model", "/v1/options"};

std::string host_in_url(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

class Server {
 public:
  explicit Server(const ServeOptions& o) : options_(o), admission_(o) {
    http_.new_task_queue = [n = o.max_concurrent_requests + 16] { return new httplib::ThreadPool(n); };
    http_.set_payload_max_length(o.max_body_bytes);
    http_.set_keep_alive_timeout(o.keep_alive_seconds);
    http_.set_keep_alive_max_count(std::size_t{1} << 30);  // not cpp-httplib's 5 requests per connection
    http_.set_tcp_nodelay(true);
    // Our own socket options: SO_REUSEADDR only (no SO_REUSEPORT: a second server on a port in use
    // must fail), and the listening socket remembered to raise its backlog once bound.
    http_.set_socket_options([this](int fd) {
      int yes = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      listen_fd_ = fd;
    });
    routes();
  }

  // Throws Error naming the address when it cannot be bound.
  int bind() {
    errno = 0;
    const int port = options_.port == 0 ? http_.bind_to_any_port(options_.host)
                                        : (http_.bind_to_port(options_.host, options_.port) ? options_.port : -1);
    if (port < 0) {
      const int e = errno;
      throw Error(fmt::format("cannot listen on {}:{}{}: the port is in use, or {} is not an address of this machine "
                              "(--host, --port; --port 0 picks a free port)",
                              options_.host, options_.port, e ? fmt::format(" ({})", std::strerror(e)) : "",
                              options_.host));
    }
    // cpp-httplib listens with a backlog of 5: a burst of new connections (256 clients starting
    // together) would overflow it and wait for SYN retries. listen() again only raises it.
    if (listen_fd_ >= 0) ::listen(listen_fd_, SOMAXCONN);
    return port;
  }
  void listen() {
    http_.listen_after_bind();
    listen_returned_ = true;
  }
  // cpp-httplib's stop() does nothing before listening has begun: wait for that first.
  void stop() {
    while (!http_.is_running() && !listen_returned_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    http_.stop();
  }

  void ready(const ServedModel& model, RequestRunner& runner, const RequestFeed& feed) {
    model_ = &model;
    runner_ = &runner;
    feed_ = &feed;
    context_.templ = template_named(model.file.info.recipe.template_name);
    context_.max_candidates = options_.max_candidates;
    phase_ = Phase::Ready;
  }
  void drain() { phase_ = Phase::Draining; }
  Metrics& metrics() { return metrics_; }

 private:
  void routes() {
    // The body is read here, not by cpp-httplib: 0.11 applies --max-body-bytes to a Content-Length
    // only, not to a chunked or compressed body.
    for (const Endpoint& e : kJobs) {
      http_.Post(e.path, [this, e](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read) {
        job(req, res, read, e);
      });
      wrong_methods(e.path, "POST");
    }
    http_.Get("/health", [this](const httplib::Request&, httplib::Response& res) { health(res); });
    http_.Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) {
      if (refused(req, res)) return;
      Gauges g;
      g.ready = phase_ == Phase::Ready;
      g.requests_in_flight = runner_ ? runner_->in_flight() : 0;
      g.records_queued = feed_ ? feed_->queued() : 0;
      g.inflight_bytes = admission_.bytes();
      res.set_content(metrics_.text(g), "text/plain; version=0.0.4");
    });
    http_.Get("/v1/model", [this](const httplib::Request& req, httplib::Response& res) {
      if (!refused(req, res)) model(res);
    });
    // The request options of /v1/rank and /v1/compare, from the one list (tasks/option_list.hpp):
    // what clients check their calls against.
    http_.Get("/v1/options", [this](const httplib::Request& req, httplib::Response& res) {
      if (!refused(req, res)) res.set_content(body_options_description(), "application/json");
    });
    for (const char* path : kGets) wrong_methods(path, "GET");

    // Whatever cpp-httplib answers on its own (no route, a body over the limit, a broken request)
    // gets a JSON body too.
    http_.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      std::string message = fmt::format("HTTP status {}", res.status);
      if (res.status == 404) message = fmt::format("no endpoint {} {} (docs/serve.md lists them)", req.method, req.path);
      if (res.status == 413) message = fmt::format("the body is over the server's --max-body-bytes {}", options_.max_body_bytes);
      if (res.status == 400) message = "a malformed HTTP request";
      res.set_content(error_reply(res.status, message).body, "application/json");
    });
    http_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        what = x.what();
      } catch (...) {
      }
      send(res, error_reply(500, "internal error: " + what + " (this is a bug; please report it)"));
    });
  }

  void wrong_methods(const char* path, const char* allowed) {
    auto refuse = [allowed](const httplib::Request& req, httplib::Response& res) {
      send(res, error_reply(405, fmt::format("{} takes {}, not {}", req.path, allowed, req.method)));
      res.set_header("Allow", allowed);
    };
    if (std::strcmp(allowed, "GET") != 0) http_.Get(path, refuse);
    if (std::strcmp(allowed, "POST") != 0) http_.Post(path, refuse);
    http_.Put(path, refuse);
    http_.Delete(path, refuse);
    http_.Patch(path, refuse);
  }

  // With --api-key: a 401 unless the request carries it (checked in each handler, once the body is
  // read, so that a refused request leaves nothing unread on a kept-alive connection).
  bool refused(const httplib::Request& req, httplib::Response& res) const {
    if (options_.api_key.empty() || authorized(req)) return false;
    send(res, error_reply(401, "missing or wrong API key: send \"Authorization: Bearer KEY\""));
    res.set_header("WWW-Authenticate", "Bearer");
    return true;
  }

  bool authorized(const httplib::Request& req) const {
    const std::string expected = "Bearer " + options_.api_key;
    const std::string given = req.get_header_value("Authorization");
    return given.size() == expected.size() && CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
  }

  static void send(httplib::Response& res, const Reply& reply) {
    res.status = reply.status;
    res.set_content(reply.body, "application/json");
    if (reply.status == 429 || reply.status == 503) res.set_header("Retry-After", "1");
  }

  void health(httplib::Response& res) {
    switch (phase_.load()) {
      case Phase::Ready: res.set_content("{\"status\":\"ok\"}", "application/json"); return;
      case Phase::Loading:
        send(res, {503, "{\"status\":\"loading\",\"error\":\"the model is loading\",\"type\":\"unavailable\"}"});
        return;
      case Phase::Draining:
        send(res, {503, "{\"status\":\"draining\",\"error\":\"the server is shutting down\",\"type\":\"unavailable\"}"});
        return;
    }
  }

  void model(httplib::Response& res) {
    if (phase_ != Phase::Ready) {
      return send(res, error_reply(503, phase_ == Phase::Loading ? "the model is loading" : "the server is shutting down"));
    }
    JsonWriter w(true);
    w.field("sha256", model_->file.sha256).field("devices", model_->where).field("max_body_bytes", options_.max_body_bytes);
    send(res, {200, extend_object(model_->file.info.json, w, {"sha256", "devices", "max_body_bytes"})});
  }

  void job(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read, const Endpoint& e) {
    const auto started = Clock::now();
    std::string body;
    bool over = false;
    const bool read_whole = read([&](const char* data, std::size_t n) {
      over = over || body.size() + n > options_.max_body_bytes;
      if (!over) body.append(data, n);
      return !over;
    });
    // cpp-httplib refuses a Content-Length over the limit itself (the read fails, nothing kept).
    over = over || (!read_whole && req.get_header_value<uint64_t>("Content-Length") > options_.max_body_bytes);
    if (refused(req, res)) return;
    const Reply reply = over ? error_reply(413, fmt::format("the body is over the server's --max-body-bytes {}",
                                                            options_.max_body_bytes))
                         : !read_whole ? error_reply(400, "the request body could not be read")
                                       : answer(req, body, e);
    send(res, reply);
    metrics_.request(e.path, reply.status, std::chrono::duration<double>(Clock::now() - started).count());
  }

  Reply answer(const httplib::Request& req, const std::string& body, const Endpoint& e) {
    if (phase_ == Phase::Loading) return error_reply(503, "the model is loading; retry when GET /health says ok");
    if (phase_ == Phase::Draining) return error_reply(503, "the server is shutting down");
    const std::size_t bytes = body.size();
    if (std::string why = admission_.enter(bytes); !why.empty()) return error_reply(429, why);
    struct Leave {
      Admission& a;
      std::size_t n;
      ~Leave() { a.leave(n); }
    } leave{admission_, bytes};
    Made made = e.make(body, context_);
    if (auto* refused = std::get_if<Reply>(&made)) return std::move(*refused);
    ClientWatch watch(req.remote_addr, req.remote_port, req.local_port);
    auto reply = runner_->run(std::move(std::get<Job>(made)), [&] { return watch.gone(); });
    return reply ? std::move(*reply) : Reply{kClientLeft, {}};
  }

  const ServeOptions& options_;
  httplib::Server http_;
  Admission admission_;
  Metrics metrics_;
  std::atomic<Phase> phase_{Phase::Loading};
  JobContext context_;
  const ServedModel* model_ = nullptr;
  RequestRunner* runner_ = nullptr;
  const RequestFeed* feed_ = nullptr;
  int listen_fd_ = -1;
  std::atomic<bool> listen_returned_{false};
};

// Set once by the thread that returns from listen: every connection is closed and its thread done.
class Latch {
 public:
  void open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    changed_.notify_all();
  }
  bool wait_for(double seconds) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return open_; });
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  bool open_ = false;
};

}  // namespace

int run_server(const ServeOptions& options, const StopSignal& stop,
               const std::function<std::unique_ptr<ServedModel>()>& load) {
  Server server(options);
  const int port = server.bind();
  Latch closed;
  std::thread listener([&] {
    server.listen();
    closed.open();
  });
  auto shut = [&] {
    server.drain();
    server.stop();
    listener.join();
  };
  std::unique_ptr<ServedModel> model;
  try {
    model = load();
  } catch (...) {
    shut();
    throw;
  }
  if (stop.value()) {
    shut();
    return 0;
  }

  RequestFeed feed;
  feed.on_taken([&](double seconds) { server.metrics().queued(seconds); });
  RequestRunner runner(feed, *model->encoder, *model->layout);
  server.ready(*model, runner, feed);
  std::fprintf(stderr, "listening on http://%s:%d\n", host_in_url(options.host).c_str(), port);
  std::fflush(stderr);

  // The drain: on the stop (or a failed pipeline), no new requests; those in flight finish, or get
  // a 503 once the shutdown timeout has passed; then the feed ends, and with it the pipeline.
  std::atomic<bool> failed{false}, timed_out{false};
  std::thread watcher([&] {
    while (!stop.value() && !failed) {
      pollfd p{stop.fd(), POLLIN, 0};
      poll(&p, 1, 100);
    }
    server.drain();
    server.stop();
    if (!failed && !closed.wait_for(options.shutdown_timeout)) {
      timed_out = true;
      std::fprintf(stderr, "pairrm: %zu requests still in flight after --shutdown-timeout %gs: answered 503\n",
                   runner.in_flight(), options.shutdown_timeout);
      runner.cancel_all(error_reply(503, "the server stopped before this request was done (--shutdown-timeout)"));
      // A connection still sending its request holds its thread until cpp-httplib's read timeout.
      if (!closed.wait_for(options.keep_alive_seconds + 10.0)) {
        std::fprintf(stderr, "pairrm: connections still open after the shutdown timeout; exiting\n");
        std::fflush(stderr);
        std::_Exit(0);
      }
    }
    closed.wait();
    feed.close();
  });

  try {
    run_owned_records(feed, *model->layout, model->scorers, model->pipeline,
                      [&](const Summary& s) { server.metrics().progress(s); });
  } catch (const std::exception& e) {
    failed = true;
    server.drain();
    feed.close();
    runner.cancel_all(error_reply(500, std::string("the model failed: ") + e.what()));
    watcher.join();
    listener.join();
    throw;
  }
  watcher.join();
  listener.join();
  if (!timed_out) std::fprintf(stderr, "pairrm: stopped (signal %d); every request in flight was answered\n", stop.value());
  return 0;
}

}  // namespace pairrm::serve
