#include "pairrm/io/model_file.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include <caffe2/serialize/inline_container.h>

#include "pairrm/error.hpp"
#include "pairrm/io/sha256.hpp"

namespace pairrm {

namespace {
constexpr const char* kReexport = "Re-export it with scripts/export_model.sh (see README).";

std::string read_record(caffe2::serialize::PyTorchStreamReader& reader, const std::string& name,
                        const std::string& path) {
  // torch.jit.save stores _extra_files under "extra/".
  const std::string record = "extra/" + name;
  if (!reader.hasRecord(record)) {
    throw Error(path + ": a TorchScript archive without " + name + ", so not a pairrm model file. " + kReexport);
  }
  auto [data, size] = reader.getRecord(record);
  return std::string(static_cast<const char*>(data.get()), size);
}
}  // namespace

ModelFile read_model_file(const std::string& path) {
  if (path.empty()) {
    throw Error("no model given: pass -m/--model FILE or set PAIRRM_MODEL (scripts/export_model.sh writes one)");
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw Error(path + ": a directory, not a model file. A Hugging Face checkpoint directory is exported to one "
                       "file with scripts/export_model.sh --checkpoint DIR -o FILE.");
  }
  if (!std::ifstream(path).good()) {
    throw Error(path + ": model file not found or not readable. Check the path, or export one with "
                       "scripts/export_model.sh.");
  }
  ModelFile out;
  out.path = path;
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    const std::string json = read_record(reader, "pairrm.json", path);
    out.spm_model = read_record(reader, "spm.model", path);
    out.info = parse_model_info(json, path);
  } catch (const c10::Error& e) {
    throw Error(path + ": not a readable model file (truncated or not a TorchScript archive: " +
                std::string(e.what_without_backtrace()) + "). " + kReexport);
  }
  // One pass over the archive's records in name order (stored uncompressed: read straight from the
  // file) makes both the file's identity (every record's name, size and bytes: code, weights,
  // metadata, tokenizer) and the weights' hash that the exporter recorded.
  std::vector<std::pair<std::string, std::pair<std::size_t, std::size_t>>> records;
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    for (const std::string& name : reader.getAllRecords()) {
      records.push_back({name, {reader.getRecordOffset(name), reader.getRecordSize(name)}});
    }
  } catch (const c10::Error& e) {
    throw Error(path + ": not a readable model file (" + std::string(e.what_without_backtrace()) + "). " + kReexport);
  }
  std::sort(records.begin(), records.end());
  std::ifstream in(path, std::ios::binary);
  Sha256 identity, weights;
  std::vector<char> block(1 << 20);
  for (const auto& [name, where] : records) {
    const bool weight = name.rfind("data/", 0) == 0;
    identity.update(name + '\0' + std::to_string(where.second) + '\0');
    in.seekg(static_cast<std::streamoff>(where.first));
    for (std::size_t left = where.second; left > 0 && in;) {
      in.read(block.data(), static_cast<std::streamsize>(std::min(left, block.size())));
      const std::string_view got(block.data(), static_cast<std::size_t>(in.gcount()));
      identity.update(got);
      if (weight) weights.update(got);
      left -= got.size();
      if (got.empty()) break;
    }
  }
  if (!in) throw Error(path + ": cannot read the whole model file (truncated?). " + kReexport);
  if (!out.info.weights_sha256.empty() && weights.hex() != out.info.weights_sha256) {
    throw Error(path + ": the weights inside do not match their recorded SHA-256; the file was altered or damaged. " +
                kReexport);
  }
  out.sha256 = identity.hex();
  const std::string hash = sha256_hex(out.spm_model);
  if (hash != out.info.tokenizer_sha256) {
    throw Error(path + ": the tokenizer inside does not match its recorded SHA-256 (found " + hash + ", expected " +
                out.info.tokenizer_sha256 + "); the file was altered or damaged. " + kReexport);
  }
  return out;
}

}  // namespace pairrm
