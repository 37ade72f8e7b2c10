#include "pairrm/serve/remote.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <simdjson.h>

#include "pairrm/error.hpp"
#include "pairrm/io/json_writer.hpp"

namespace pairrm::serve {

struct RemoteServer::Impl {
  std::string url;
  httplib::Client client;
  const StopSignal* stop;
  int wake[2] = {-1, -1};  // ends the stop watcher of a call that returned
  Impl(const std::string& u, const std::string& api_key, const StopSignal* s) : url(u), client(u), stop(s) {
    if (stop && pipe2(wake, O_CLOEXEC) != 0) throw Error("cannot make a pipe (too many open files?)");
    client.set_connection_timeout(10);
    client.set_read_timeout(600);  // a batch of long records on a busy server
    client.set_write_timeout(600);
    client.set_tcp_nodelay(true);
    client.set_keep_alive(true);
    if (!api_key.empty()) client.set_bearer_token_auth(api_key);
  }

  ~Impl() {
    for (int fd : wake) {
      if (fd >= 0) close(fd);
    }
  }

  bool stopped() const { return stop && stop->value(); }

  // One call; a stop requested meanwhile cuts the connection (cpp-httplib's client blocks).
  httplib::Result call(const std::string& method, const std::string& path, const std::string& body) {
    if (!stop) return method == "GET" ? client.Get(path) : client.Post(path, body, "application/json");
    std::thread watcher([this] {
      pollfd fds[2] = {{stop->fd(), POLLIN, 0}, {wake[0], POLLIN, 0}};
      while (poll(fds, 2, -1) < 0 && errno == EINTR) {
      }
      if (fds[0].revents & POLLIN) client.stop();
    });
    auto res = method == "GET" ? client.Get(path) : client.Post(path, body, "application/json");
    const char byte = 0;
    (void)!write(wake[1], &byte, 1);
    watcher.join();
    char drain;
    (void)!read(wake[0], &drain, 1);
    return res;
  }

  // The body of a 200; nullopt when stopped; else Error naming the URL, the status and the server's
  // message.
  std::optional<std::string> exchange(const std::string& method, const std::string& path, const std::string& body = {}) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (true) {
      if (stopped()) return std::nullopt;
      auto res = call(method, path, body);
      if (stopped()) return std::nullopt;
      if (!res) {
        throw Error(fmt::format("{}{}: {} (is `pairrm serve` running there? --server, PAIRRM_SERVER)", url, path,
                                httplib::to_string(res.error())));
      }
      if (res->status == 200) return std::move(res->body);
      if ((res->status == 429 || res->status == 503) && std::chrono::steady_clock::now() < give_up) {
        if (stop) {
          pollfd p{stop->fd(), POLLIN, 0};
          poll(&p, 1, 200);
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        continue;
      }
      std::string message = res->body;
      simdjson::dom::parser parser;
      std::string_view text;
      if (!parser.parse(res->body).get_object()["error"].get(text)) message = std::string(text);
      throw Error(fmt::format("{}{}: the server answered {}: {}", url, path, res->status, message));
    }
  }
};

RemoteServer::RemoteServer(const std::string& url, const std::string& api_key, const StopSignal* stop) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    throw Error("--server " + url + ": expected a URL such as http://127.0.0.1:8080");
  }
  std::string base = url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  impl_ = std::make_unique<Impl>(base, api_key, stop);
  if (!impl_->client.is_valid()) throw Error("--server " + url + ": expected a URL such as http://127.0.0.1:8080");
}

RemoteServer::~RemoteServer() = default;

std::optional<RemoteServer::Model> RemoteServer::model() {
  Model m;
  auto answer = impl_->exchange("GET", "/v1/model");
  if (!answer) return std::nullopt;
  m.info_json = std::move(*answer);
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(m.info_json).get(o)) throw Error(impl_->url + "/v1/model: the answer is not a JSON object");
  std::string_view s;
  if (!o["sha256"].get(s)) m.sha256 = std::string(s);
  if (!o["devices"].get(s)) m.devices = std::string(s);
  uint64_t limit = 0;
  if (!o["max_body_bytes"].get(limit)) m.max_body_bytes = limit;
  return m;
}

std::optional<RemoteServer::Answered> RemoteServer::lines(const std::string& command, const std::string& options_json,
                                                            const std::vector<std::string>& lines,
                                                            const std::vector<std::size_t>& line_numbers) {
  JsonWriter w;
  w.begin_object().field("command", command).field("options", options_json).key("lines").values(lines);
  w.key("line_numbers").values(line_numbers);
  const auto answer = impl_->exchange("POST", "/v1/lines", w.end_object().str());
  if (!answer) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::array a;
  if (parser.parse(*answer)["lines"].get(a) || a.size() != lines.size()) {
    throw Error(impl_->url + "/v1/lines: the answer does not hold one line per input line");
  }
  Answered out;
  for (simdjson::dom::element e : a) {
    std::string_view line;
    if (e.get(line)) throw Error(impl_->url + "/v1/lines: the answer does not hold one line per input line");
    out.lines.emplace_back(line);
  }
  out.is_error.assign(out.lines.size(), false);
  simdjson::dom::array errors;
  const auto reply = parser.parse(*answer);
  uint64_t pairs = 0;
  if (!reply["pairs"].get(pairs)) out.pairs = pairs;
  if (!reply["errors"].get(errors)) {
    for (simdjson::dom::element e : errors) {
      uint64_t i = 0;
      if (!e.get(i) && i < out.is_error.size()) out.is_error[i] = true;
    }
  }
  return out;
}

}  // namespace pairrm::serve
