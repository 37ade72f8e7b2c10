#include "pairrm/io/sha256.hpp"

#include <fstream>
#include <vector>

#include <openssl/evp.h>

#include "pairrm/error.hpp"

namespace pairrm {

namespace {
std::string to_hex(const unsigned char* digest, unsigned int size) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * size);
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}
[[noreturn]] void fail() { throw Error("SHA-256 failed in OpenSSL (this is a bug or a broken libcrypto)"); }
}  // namespace

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hex();
}

struct Sha256::Ctx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  if (!ctx_->ctx || EVP_DigestInit_ex(ctx_->ctx, EVP_sha256(), nullptr) != 1) fail();
}

Sha256::~Sha256() = default;

void Sha256::update(std::string_view data) {
  if (EVP_DigestUpdate(ctx_->ctx, data.data(), data.size()) != 1) fail();
}

std::string Sha256::hex() const {
  // Finalize a copy, so that the running state goes on.
  Ctx copy;
  if (!copy.ctx || EVP_MD_CTX_copy_ex(copy.ctx, ctx_->ctx) != 1) fail();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(copy.ctx, digest, &size) != 1) fail();
  return to_hex(digest, size);
}

}  // namespace pairrm
