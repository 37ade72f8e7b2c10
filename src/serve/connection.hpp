// Whether a request's client is still connected, so that a request whose client left has its
// pairs dropped instead of scored for nobody.
//
// cpp-httplib 0.11 (Debian 12's) neither tells a handler its connection's socket nor whether the
// peer closed it. A handler runs on the thread that owns its connection, whose socket is the one
// with the request's local and remote address: found once, then polled for a hang-up.
#pragma once

#include <string>

namespace pairrm::serve {

class ClientWatch {
 public:
  ClientWatch(std::string remote_addr, int remote_port, int local_port)
      : remote_addr_(std::move(remote_addr)), remote_port_(remote_port), local_port_(local_port) {}
  // True once the client has closed its end (or the socket failed). Never blocks.
  bool gone();

 private:
  int find_socket() const;
  std::string remote_addr_;
  int remote_port_, local_port_;
  int fd_ = -2;  // -2: not looked up yet; -1: not found (then never reported gone)
};

}  // namespace pairrm::serve
