// SHA-256, hex encoded (OpenSSL's libcrypto does the work): of a byte string, of a file, and
// incrementally (a run's input prefix, docs/cluster.md).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace pairrm {

std::string sha256_hex(std::string_view data);
// Of a whole file, read in blocks. Throws Error naming the file when it cannot be read.
std::string sha256_file_hex(const std::string& path);

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
