// SHA-256 of a byte string, hex encoded (OpenSSL's libcrypto does the work).
#pragma once

#include <string>
#include <string_view>

namespace pairrm {
std::string sha256_hex(std::string_view data);
}
