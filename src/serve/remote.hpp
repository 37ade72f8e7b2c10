// A running `pairrm serve` in place of a local model: what `rank|compare|eval --server URL` talk to
// (GET /v1/model, POST /v1/lines). The HTTP client is cpp-httplib's, kept inside remote.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace pairrm::serve {

class RemoteServer {
 public:
  // url: http://HOST:PORT (https with a TLS proxy in front). Throws Error for a malformed URL.
  RemoteServer(const std::string& url, const std::string& api_key);
  ~RemoteServer();
  RemoteServer(const RemoteServer&) = delete;
  RemoteServer& operator=(const RemoteServer&) = delete;

  struct Model {
    std::string info_json;  // pairrm.json, as `pairrm info --json` prints it
    std::string sha256;     // the model file's identity (run manifests)
    std::string devices;    // where the server runs it ("cpu fp32")
  };
  Model model();
  // Each line's output line, as `command` with these options would write it locally. Waits and
  // retries while the server answers 429 or 503 (for up to a minute); throws Error naming the URL
  // and the server's message otherwise.
  std::vector<std::string> lines(const std::string& command, const std::string& options_json,
                                 const std::vector<std::string>& lines);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pairrm::serve
