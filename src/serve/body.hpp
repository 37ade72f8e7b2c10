// A request body as JSON (simdjson's DOM, parsed once), and its fields read the way the CLI reads
// flags: each getter returns a 400 reply naming the field when the value is of the wrong kind.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "reply.hpp"

namespace simdjson::dom {
class element;
class object;
class parser;
}  // namespace simdjson::dom

namespace pairrm::serve {

using Failure = std::optional<Reply>;  // nullopt: the field was fine (or absent)

class Body {
 public:
  // The body as a JSON object, or the 400 that says why it is not one.
  // `batch_key`: the endpoint's batch form ("records"), named in the hint for an array or for JSON
  // lines sent as a body.
  static std::variant<Body, Reply> parse(const std::string& text, std::string_view batch_key = {});
  Body(Body&&) noexcept;
  ~Body();

  bool has(std::string_view key) const;
  Failure get(std::string_view key, std::optional<std::string>& out) const;
  Failure get(std::string_view key, std::optional<uint64_t>& out) const;
  Failure get(std::string_view key, std::optional<bool>& out) const;
  // A list of whole numbers; absent leaves `out` as it is.
  Failure get(std::string_view key, std::vector<std::size_t>& out) const;
  // A list of strings (null entries refused); absent stays nullopt.
  Failure get(std::string_view key, std::optional<std::vector<std::string>>& out) const;
  // The length of the array `key`, when it is one.
  std::optional<std::size_t> array_size(std::string_view key) const;
  // The body as one line (its whitespace outside strings removed): a record the line-to-task step
  // reads as the CLI reads an input line.
  std::string as_line() const;
  // Each element of the array `key` as a line (an element that is not an object becomes a line the
  // task step reports as such), or the 400 when `key` is not an array.
  Failure lines(std::string_view key, std::vector<std::string>& out) const;
  const simdjson::dom::object& object() const;

 private:
  Body();
  struct Doc;
  std::unique_ptr<Doc> doc_;
};

}  // namespace pairrm::serve
