#include "reply.hpp"

#include "pairrm/io/json_writer.hpp"

namespace pairrm::serve {

std::string_view error_type(int status) {
  switch (status) {
    case 400: return "invalid_request";
    case 401: return "unauthorized";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 413: return "too_large";
    case 422: return "unprocessable";
    case 429: return "overloaded";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : "invalid_request";
  }
}

Reply error_reply(int status, std::string_view message, std::string_view field) {
  JsonWriter w;
  w.begin_object().field("error", message).field("type", error_type(status));
  if (!field.empty()) w.field("field", field);
  return {status, w.end_object().str()};
}

}  // namespace pairrm::serve
