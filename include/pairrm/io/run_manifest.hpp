// The manifest a run keeps next to its output (OUTPUT.pairrm-run.json), so that a killed run can be
// resumed (docs/cluster.md): what produced the output (tool, command, model hash, every option that
// changes it, input, shard) and how far it got (lines written, the SHA-256 of those input lines).
// It is rewritten atomically after each flush of the output, never claiming lines not on disk.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pairrm {

struct RunManifest {
  std::string tool;     // "pairrm 0.1.0"
  std::string command;  // rank | compare | eval
  std::string model_sha256;
  std::vector<std::pair<std::string, std::string>> options;  // name -> value, as given
  std::string input;                                          // path, or "-" for stdin
  std::string shard;                                          // "I/N", or "" for the whole input
  std::size_t lines_done = 0;
  std::string input_prefix_sha256;  // of the first lines_done input lines, each with its "\n"
  std::size_t errors = 0;           // error records among them
  bool complete = false;
};

std::string manifest_path(const std::string& output);
// Writes to a temporary file, syncs it and renames it over `path`. Throws Error naming the file.
void write_manifest(const std::string& path, const RunManifest& m);
// nullopt when there is no file; Error when it cannot be read or is not a manifest.
std::optional<RunManifest> read_manifest(const std::string& path);
// Why a run described by `now` may not continue `stored` (which field, both values), or nullopt.
// The options in `resolved_later` are not compared: the run compares them once they are resolved
// (the device and dtype `auto` or `cuda` turn into once the engines load).
std::optional<std::string> resume_conflict(const RunManifest& stored, const RunManifest& now,
                                           const std::vector<std::string>& resolved_later = {});

// The output file of an interrupted run: drops a torn last line (no newline, or not a JSON object),
// truncating the file, and counts the complete lines and the error records among them ({"error":
// {...}}, perhaps after the line's id: a good record's line always has more keys), handing each kept line to
// `each`. Throws Error naming the file.
struct OutputLines {
  std::size_t lines = 0, errors = 0;
};
OutputLines keep_complete_lines(const std::string& output, const std::function<void(std::string_view)>& each = {});

}  // namespace pairrm
