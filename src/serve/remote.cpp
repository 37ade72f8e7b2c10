#include "remote.hpp"

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
  Impl(const std::string& u, const std::string& api_key) : url(u), client(u) {
    client.set_connection_timeout(10);
    client.set_read_timeout(600);  // a batch of long records on a busy server
    client.set_write_timeout(600);
    client.set_tcp_nodelay(true);
    client.set_keep_alive(true);
    if (!api_key.empty()) client.set_bearer_token_auth(api_key);
  }

  // The body of a 200, or Error naming the URL, the status and the server's message.
  std::string exchange(const std::string& method, const std::string& path, const std::string& body = {}) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (true) {
      auto res = method == "GET" ? client.Get(path) : client.Post(path, body, "application/json");
      if (!res) {
        throw Error(fmt::format("{}{}: {} (is `pairrm serve` running there? --server, PAIRRM_SERVER)", url, path,
                                httplib::to_string(res.error())));
      }
      if (res->status == 200) return std::move(res->body);
      if ((res->status == 429 || res->status == 503) && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
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

RemoteServer::RemoteServer(const std::string& url, const std::string& api_key) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    throw Error("--server " + url + ": expected a URL such as http://127.0.0.1:8080");
  }
  std::string base = url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  impl_ = std::make_unique<Impl>(base, api_key);
  if (!impl_->client.is_valid()) throw Error("--server " + url + ": expected a URL such as http://127.0.0.1:8080");
}

RemoteServer::~RemoteServer() = default;

RemoteServer::Model RemoteServer::model() {
  Model m;
  m.info_json = impl_->exchange("GET", "/v1/model");
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(m.info_json).get(o)) throw Error(impl_->url + "/v1/model: the answer is not a JSON object");
  std::string_view s;
  if (!o["sha256"].get(s)) m.sha256 = std::string(s);
  if (!o["devices"].get(s)) m.devices = std::string(s);
  return m;
}

std::vector<std::string> RemoteServer::lines(const std::string& command, const std::string& options_json,
                                             const std::vector<std::string>& lines) {
  JsonWriter w;
  w.begin_object().field("command", command).field("options", options_json).key("lines").values(lines);
  const std::string answer = impl_->exchange("POST", "/v1/lines", w.end_object().str());
  simdjson::dom::parser parser;
  simdjson::dom::array a;
  if (parser.parse(answer)["lines"].get(a) || a.size() != lines.size()) {
    throw Error(impl_->url + "/v1/lines: the answer does not hold one line per input line");
  }
  std::vector<std::string> out;
  for (simdjson::dom::element e : a) {
    std::string_view line;
    if (e.get(line)) throw Error(impl_->url + "/v1/lines: the answer does not hold one line per input line");
    out.emplace_back(line);
  }
  return out;
}

}  // namespace pairrm::serve
