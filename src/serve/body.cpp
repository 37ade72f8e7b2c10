#include "body.hpp"

#include <simdjson.h>

namespace pairrm::serve {

struct Body::Doc {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  std::string text;
};

Body::Body() : doc_(std::make_unique<Doc>()) {}
Body::Body(Body&&) noexcept = default;
Body::~Body() = default;

std::variant<Body, Reply> Body::parse(const std::string& text, std::string_view batch_key) {
  Body b;
  b.doc_->text = text;
  const std::string batch = batch_key.empty() ? "" : "{\"" + std::string(batch_key) + "\": [...]}";
  simdjson::dom::element root;
  if (auto error = b.doc_->parser.parse(text).get(root)) {
    std::string message = std::string("the body is not valid JSON (") + simdjson::error_message(error) + ")";
    // JSONL sent as a body: with its newlines (--data-binary @FILE), or joined by curl -d @FILE.
    const bool lines = text.find("}\n{") != std::string::npos || text.find("}\r\n{") != std::string::npos;
    const bool joined = !lines && text.find("}{") != std::string::npos;
    if (lines || joined) {
      message += joined ? "; it looks like JSON lines joined into one (curl -d @FILE drops newlines; "
                          "--data-binary @FILE keeps them)"
                        : "; it looks like JSON lines";
      message += batch.empty() ? ": a request holds one JSON object" : ": a request holds one record, or several as " + batch;
    }
    return error_reply(400, message);
  }
  if (root.get(b.doc_->object)) {
    if (root.is_array() && !batch.empty()) {
      return error_reply(400, "the body must be a JSON object, not an array: several records go in " + batch);
    }
    return error_reply(400, "the body must be a JSON object");
  }
  return b;
}

const simdjson::dom::object& Body::object() const { return doc_->object; }

bool Body::has(std::string_view key) const {
  simdjson::dom::element e;
  return !doc_->object.at_key(key).get(e);
}

namespace {
Reply wrong(std::string_view key, std::string_view expected) {
  return error_reply(400, "expected " + std::string(expected), key);
}
}  // namespace

Failure Body::get(std::string_view key, std::optional<std::string>& out) const {
  simdjson::dom::element e;
  if (doc_->object.at_key(key).get(e)) return std::nullopt;
  std::string_view s;
  if (e.get(s)) return wrong(key, "a string");
  out = std::string(s);
  return std::nullopt;
}

Failure Body::get(std::string_view key, std::optional<uint64_t>& out) const {
  simdjson::dom::element e;
  if (doc_->object.at_key(key).get(e)) return std::nullopt;
  uint64_t v = 0;
  if (e.get(v)) return wrong(key, "a whole number of at least 0");
  out = v;
  return std::nullopt;
}

Failure Body::get(std::string_view key, std::optional<bool>& out) const {
  simdjson::dom::element e;
  if (doc_->object.at_key(key).get(e)) return std::nullopt;
  bool v = false;
  if (e.get(v)) return wrong(key, "true or false");
  out = v;
  return std::nullopt;
}

Failure Body::get(std::string_view key, std::optional<std::vector<std::string>>& out) const {
  simdjson::dom::element e;
  if (doc_->object.at_key(key).get(e)) return std::nullopt;
  simdjson::dom::array a;
  if (e.get(a)) return wrong(key, "a list of strings");
  std::vector<std::string> v;
  std::size_t i = 0;
  for (simdjson::dom::element x : a) {
    std::string_view s;
    if (x.get(s)) return error_reply(400, "expected a string", std::string(key) + "[" + std::to_string(i) + "]");
    v.emplace_back(s);
    ++i;
  }
  out = std::move(v);
  return std::nullopt;
}

std::optional<std::size_t> Body::array_size(std::string_view key) const {
  simdjson::dom::element e;
  simdjson::dom::array a;
  if (doc_->object.at_key(key).get(e) || e.get(a)) return std::nullopt;
  return a.size();
}

Failure Body::get(std::string_view key, std::vector<std::size_t>& out) const {
  simdjson::dom::element e;
  if (doc_->object.at_key(key).get(e)) return std::nullopt;
  simdjson::dom::array a;
  if (e.get(a)) return wrong(key, "a list of whole numbers");
  for (simdjson::dom::element x : a) {
    uint64_t v = 0;
    if (x.get(v)) return wrong(key, "a list of whole numbers");
    out.push_back(static_cast<std::size_t>(v));
  }
  return std::nullopt;
}

std::string Body::as_line() const {
  // The text's own bytes (numbers as the client wrote them), whitespace outside strings removed.
  std::string out(doc_->text.size(), '\0');
  std::size_t n = 0;
  if (simdjson::minify(doc_->text.data(), doc_->text.size(), out.data(), n)) return simdjson::minify(doc_->object);
  out.resize(n);
  return out;
}

Failure Body::lines(std::string_view key, std::vector<std::string>& out) const {
  simdjson::dom::element e;
  simdjson::dom::array a;
  if (doc_->object.at_key(key).get(e) || e.get(a)) return wrong(key, "a list of records (JSON objects)");
  for (simdjson::dom::element x : a) out.push_back(simdjson::minify(x));
  return std::nullopt;
}

}  // namespace pairrm::serve
