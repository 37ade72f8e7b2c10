#include "pairrm/io/run_manifest.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <simdjson.h>

#include "pairrm/error.hpp"
#include "pairrm/io/json_writer.hpp"

namespace pairrm {

namespace {
void sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    throw Error(path + ": cannot sync the file to disk");
  }
  ::close(fd);
}
}  // namespace

std::string manifest_path(const std::string& output) { return output + ".pairrm-run.json"; }

void write_manifest(const std::string& path, const RunManifest& m) {
  JsonWriter w;
  w.begin_object().field("tool", m.tool).field("command", m.command).field("model_sha256", m.model_sha256);
  w.key("options").begin_object();
  for (const auto& [k, v] : m.options) w.field(k, v);
  w.end_object();
  w.field("input", m.input).field("shard", m.shard).field("lines_done", m.lines_done);
  w.field("input_prefix_sha256", m.input_prefix_sha256).field("errors", m.errors).field("complete", m.complete);
  w.end_object();
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << w.str() << '\n';
    out.flush();
    if (!out) throw Error(tmp + ": cannot write the run manifest (disk full?)");
  }
  sync_file(tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw Error(path + ": cannot replace the run manifest");
}

std::optional<RunManifest> read_manifest(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text.str());
  simdjson::dom::object o;
  auto bad = [&](const std::string& what) {
    return Error(path + ": not a pairrm run manifest (" + what + "); remove it and the output to start over");
  };
  if (parser.parse(padded).get_object().get(o)) throw bad("not a JSON object");
  RunManifest m;
  auto str = [&](const char* key, std::string& out) {
    std::string_view v;
    if (o[key].get_string().get(v)) throw bad(std::string("no ") + key);
    out = std::string(v);
  };
  auto num = [&](const char* key, std::size_t& out) {
    uint64_t v = 0;
    if (o[key].get_uint64().get(v)) throw bad(std::string("no ") + key);
    out = static_cast<std::size_t>(v);
  };
  str("tool", m.tool);
  str("command", m.command);
  str("model_sha256", m.model_sha256);
  str("input", m.input);
  str("shard", m.shard);
  str("input_prefix_sha256", m.input_prefix_sha256);
  num("lines_done", m.lines_done);
  num("errors", m.errors);
  if (o["complete"].get_bool().get(m.complete)) throw bad("no complete");
  simdjson::dom::object options;
  if (o["options"].get_object().get(options)) throw bad("no options");
  for (auto field : options) {
    std::string_view v;
    if (field.value.get_string().get(v)) throw bad("an option that is not a string");
    m.options.emplace_back(std::string(field.key), std::string(v));
  }
  return m;
}

std::optional<std::string> resume_conflict(const RunManifest& stored, const RunManifest& now,
                                           const std::vector<std::string>& resolved_later) {
  auto differs = [](const std::string& what, const std::string& was, const std::string& is) {
    return what + " was \"" + was + "\", now \"" + is + "\"";
  };
  if (stored.tool != now.tool) return differs("the tool", stored.tool, now.tool);
  if (stored.command != now.command) return differs("the command", stored.command, now.command);
  if (stored.model_sha256 != now.model_sha256) return differs("the model's SHA-256", stored.model_sha256, now.model_sha256);
  // The same file under another spelling (a relative path, a link) is the same input.
  std::error_code ec;
  if (stored.input != now.input && !(stored.input != "-" && now.input != "-" && std::filesystem::equivalent(stored.input, now.input, ec))) {
    return differs("the input", stored.input, now.input);
  }
  if (stored.shard != now.shard) return differs("--shard", stored.shard, now.shard);
  for (const auto& [key, value] : now.options) {
    if (std::find(resolved_later.begin(), resolved_later.end(), key) != resolved_later.end()) continue;
    std::string was = "(not set)";
    for (const auto& [k, v] : stored.options) {
      if (k == key) was = v;
    }
    if (was != value) return differs(key, was, value);
  }
  return std::nullopt;
}

OutputLines keep_complete_lines(const std::string& output, const std::function<void(std::string_view)>& each) {
  std::ifstream in(output, std::ios::binary);
  if (!in) throw Error(output + ": cannot read the output to resume it");
  OutputLines r;
  std::size_t good_end = 0, offset = 0;
  std::string line;
  simdjson::dom::parser parser;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline: a torn last line
    simdjson::padded_string padded(line);
    simdjson::dom::object obj;
    if (parser.parse(padded).get_object().get(obj)) break;  // garbage: the tail of a torn write
    // An error record: {"error": {...}}, or with the line's id first ({"id": ..., "error": {...}});
    // a good record's line always has more keys.
    std::size_t keys = 0;
    bool error_key = false;
    for (auto field : obj) {
      ++keys;
      error_key = error_key || (field.key == "error" && field.value.is_object());
    }
    r.errors += error_key && keys <= 2;
    ++r.lines;
    if (each) each(line);
    offset += line.size() + 1;
    good_end = offset;
  }
  std::error_code ec;
  std::filesystem::resize_file(output, good_end, ec);
  if (ec) throw Error(output + ": cannot drop its torn last line (" + ec.message() + ")");
  return r;
}

}  // namespace pairrm
