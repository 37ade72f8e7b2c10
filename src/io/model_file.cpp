#include "pairrm/io/model_file.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "pairrm/error.hpp"
#include "pairrm/io/sha256.hpp"

namespace pairrm {

namespace {
constexpr const char* kReexport = "Re-export it with scripts/export_model.sh (see README).";

// The archive torch.jit.save writes is a plain zip whose records sit in one top-level folder
// (named after the file it was first saved as); libzip reads it, so checking a model needs no
// libtorch. Record names here are without that folder, as torch names them ("data/0").
class Archive {
 public:
  struct Record {
    std::string name;  // without the top-level folder
    zip_uint64_t index = 0, size = 0;
    bool stored = false;  // not compressed
    bool operator<(const Record& other) const { return name < other.name; }
  };

  explicit Archive(const std::string& path) : path_(path) {
    int code = 0;
    zip_ = ::zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (!zip_) {
      zip_error_t error;
      zip_error_init_with_code(&error, code);
      const std::string why = zip_error_strerror(&error);
      zip_error_fini(&error);
      throw Error(path + ": not a readable model file (truncated or not a TorchScript archive: " + why + "). " + kReexport);
    }
    const zip_int64_t n = ::zip_get_num_entries(zip_, 0);
    for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(n); ++i) {
      zip_stat_t st;
      zip_stat_init(&st);
      if (::zip_stat_index(zip_, i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE)) {
        throw Error(path + ": not a readable model file (" + ::zip_strerror(zip_) + "). " + kReexport);
      }
      const std::string full = st.name;
      const auto slash = full.find('/');
      if (slash == std::string::npos) continue;
      const bool stored = (st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method == ZIP_CM_STORE;
      records_.push_back({full.substr(slash + 1), i, st.size, stored});
    }
    std::sort(records_.begin(), records_.end());
    if (!find("version") && !find(".data/version")) {
      throw Error(path + ": not a readable model file (a zip archive, but not a TorchScript one). " + kReexport);
    }
  }
  ~Archive() { ::zip_discard(zip_); }
  Archive(const Archive&) = delete;
  Archive& operator=(const Archive&) = delete;

  // Records in name order.
  const std::vector<Record>& records() const { return records_; }
  const Record* find(const std::string& name) const {
    auto it = std::lower_bound(records_.begin(), records_.end(), Record{name});
    return it == records_.end() || it->name != name ? nullptr : &*it;
  }
  // Hands the record's bytes to `take` in blocks. checked = false: a stored record's bytes as they
  // lie, without zip's CRC-32 (for weights whose SHA-256 is checked anyway).
  template <typename Take>
  void read(const Record& record, Take&& take, bool checked = true) const {
    const zip_flags_t flags = !checked && record.stored ? ZIP_FL_COMPRESSED : 0;
    std::unique_ptr<zip_file_t, decltype(&::zip_fclose)> file(::zip_fopen_index(zip_, record.index, flags), &::zip_fclose);
    if (!file) throw Error(path_ + ": not a readable model file (" + ::zip_strerror(zip_) + "). " + kReexport);
    std::vector<char> block(1 << 20);
    while (true) {
      const zip_int64_t got = ::zip_fread(file.get(), block.data(), block.size());
      if (got < 0) {
        if (zip_error_code_zip(::zip_file_get_error(file.get())) == ZIP_ER_CRC) {  // zip's own checksum
          const std::string what = record.name.rfind("data/", 0) == 0 ? "the weights inside" : "the record " + record.name;
          throw Error(path_ + ": " + what + " do not match their recorded checksum; the file was altered or damaged. " +
                      kReexport);
        }
        throw Error(path_ + ": not a readable model file (" + ::zip_file_strerror(file.get()) + "; truncated?). " + kReexport);
      }
      if (got == 0) break;
      take(std::string_view(block.data(), static_cast<std::size_t>(got)));
    }
  }
  std::string read_extra(const std::string& name) const {
    // torch.jit.save stores _extra_files under "extra/".
    const Record* record = find("extra/" + name);
    if (!record) throw Error(path_ + ": a TorchScript archive without " + name + ", so not a pairrm model file. " + kReexport);
    std::string out;
    read(*record, [&](std::string_view bytes) { out.append(bytes); });
    return out;
  }

 private:
  std::string path_;
  zip_t* zip_ = nullptr;
  std::vector<Record> records_;
};

}  // namespace

namespace {

// What identifies one state of a file without reading it: device, inode, size, modification and
// status-change times in nanoseconds. Any write changes the status-change time, and `touch -r` or
// utime() can reset the modification time but not that one.
std::string file_state(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  return fmt::format("{}:{}:{}:{}.{:09}:{}.{:09}", st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                     st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
}

void check_tokenizer(const ModelFile& out) {
  const std::string hash = sha256_hex(out.spm_model);
  if (hash != out.info.tokenizer_sha256) {
    throw Error(out.path + ": the tokenizer inside does not match its recorded SHA-256 (found " + hash + ", expected " +
                out.info.tokenizer_sha256 + "); the file was altered or damaged. " + kReexport);
  }
}

}  // namespace

ModelFile read_model_file(const std::string& path, const std::string& verified_dir) {
  if (path.empty()) {
    throw Error("no model given: pass -m/--model FILE or set PAIRRM_MODEL (scripts/export_model.sh writes one)");
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    // resolve_model exports a directory with a config.json; this one has none.
    throw Error(path + ": a directory without config.json, so neither a model file nor a Hugging Face checkpoint "
                       "directory (config.json, model.safetensors or pytorch_model.bin, spm.model). Pass the checkpoint's "
                       "own directory (the one holding config.json), or a model file (scripts/export_model.sh "
                       "writes one).");
  }
  if (!std::ifstream(path).good()) {
    throw Error(path + ": model file not found or not readable. Check the path, or export one with "
                       "scripts/export_model.sh.");
  }
  ModelFile out;
  out.path = path;
  const Archive archive(path);
  const std::string json = archive.read_extra("pairrm.json");
  out.spm_model = archive.read_extra("spm.model");
  out.info = parse_model_info(json, path);
  // A file checked before in this very state (verified_dir remembers it) is not read again.
  const std::string state = verified_dir.empty() ? "" : file_state(path);
  const std::string record = state.empty() ? "" : verified_dir + "/" + sha256_hex(state + "|" + path);
  if (!record.empty()) {
    std::ifstream known(record);
    std::string line;
    if (std::getline(known, line) && line.rfind(state + " ", 0) == 0) {
      out.sha256 = line.substr(state.size() + 1);
      if (out.sha256.size() == 64) {
        check_tokenizer(out);
        return out;
      }
    }
  }
  // One pass over the records in name order makes both the weights' hash the exporter recorded and
  // the file's identity: every record's name and size, the bytes of the others (code, metadata,
  // tokenizer), then the weights' hash; so each byte is hashed once.
  Sha256 identity, weights;
  for (const auto& record : archive.records()) {
    const bool weight = record.name.rfind("data/", 0) == 0;
    identity.update(record.name + '\0' + std::to_string(record.size) + '\0');
    archive.read(
        record, [&](std::string_view bytes) { (weight ? weights : identity).update(bytes); },
        !(weight && !out.info.weights_sha256.empty()));
  }
  identity.update(weights.hex());
  if (!out.info.weights_sha256.empty() && weights.hex() != out.info.weights_sha256) {
    throw Error(path + ": the weights inside do not match their recorded SHA-256; the file was altered or damaged. " +
                kReexport);
  }
  out.sha256 = identity.hex();
  check_tokenizer(out);
  if (!record.empty()) {
    // Best effort: a cache that cannot be written only means the next start checks again.
    std::error_code ec;
    std::filesystem::create_directories(verified_dir, ec);
    const std::string tmp = record + ".tmp" + std::to_string(::getpid());
    {
      std::ofstream f(tmp);
      f << state << ' ' << out.sha256 << '\n';
    }
    std::filesystem::rename(tmp, record, ec);
    if (ec) std::filesystem::remove(tmp, ec);
  }
  return out;
}

}  // namespace pairrm
