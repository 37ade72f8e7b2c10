// What a request gets back: a status and a JSON body. Every error body has the same shape,
// {"error": message, "type": kind} plus "field" when one field is at fault (docs/serve.md).
#pragma once

#include <string>
#include <string_view>

namespace pairrm::serve {

struct Reply {
  int status = 200;
  std::string body;
};

// The error's type follows from its status (one table, reply.cpp): 400 invalid_request,
// 401 unauthorized, 404 not_found, 405 method_not_allowed, 413 too_large, 422 unprocessable,
// 429 overloaded, 503 unavailable, 500 internal.
Reply error_reply(int status, std::string_view message, std::string_view field = {});
std::string_view error_type(int status);

}  // namespace pairrm::serve
