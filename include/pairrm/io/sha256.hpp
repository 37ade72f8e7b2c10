// SHA-256, hex encoded (OpenSSL's libcrypto does the work): of a byte string, and incrementally
// (a run's input prefix, docs/cluster.md).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace pairrm {

std::string sha256_hex(std::string_view data);

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  // The digest of everything so far; more data may follow.
  std::string hex() const;

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace pairrm
