// A running `pairrm serve` in place of a local model: what `rank|compare|eval --server URL` talk to
// (GET /v1/model, POST /v1/lines). The HTTP client is cpp-httplib's, kept inside remote.cpp.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pairrm/io/stop_signal.hpp"

namespace pairrm::serve {

class RemoteServer {
 public:
  // url: http://HOST:PORT (https with a TLS proxy in front). Throws Error for a malformed URL.
  // A requested `stop` ends a call in flight at once (it then returns nullopt).
  RemoteServer(const std::string& url, const std::string& api_key, const StopSignal* stop = nullptr);
  ~RemoteServer();
  RemoteServer(const RemoteServer&) = delete;
  RemoteServer& operator=(const RemoteServer&) = delete;

  struct Model {
    std::string info_json;  // pairrm.json, as `pairrm info --json` prints it
    std::string sha256;     // the model file's identity (run manifests)
    std::string devices;    // where the server runs it ("cpu fp32")
    std::size_t max_body_bytes = std::size_t{8} << 20;  // the server's --max-body-bytes
  };
  std::optional<Model> model();
  // Each line's output line, as `command` with these options would write it locally. Waits and
  // retries while the server answers 429 or 503 (for up to a minute); throws Error naming the URL
  // and the server's message otherwise.
  // line_numbers: each line's number in its input, for the error records the server may make.
  struct Answered {
    std::vector<std::string> lines;
    std::vector<bool> is_error;  // the server's own limits (its --max-candidates) can make error records
    std::size_t pairs = 0;       // scored for them (0 from a server too old to say)
  };
  std::optional<Answered> lines(const std::string& command, const std::string& options_json,
                                const std::vector<std::string>& lines, const std::vector<std::size_t>& line_numbers);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pairrm::serve
