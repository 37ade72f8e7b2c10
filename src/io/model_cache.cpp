#include "pairrm/io/model_cache.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "pairrm/error.hpp"
#include "pairrm/io/model_file.hpp"
#include "pairrm/io/model_info.hpp"
#include "pairrm/io/sha256.hpp"

namespace fs = std::filesystem;

namespace pairrm {

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

std::string home() { return env_or("HOME", "/tmp"); }

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

void write_text_atomically(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  const fs::path tmp = p.string() + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp);
    out << text << '\n';
    if (!out) throw Error(tmp.string() + ": cannot write (disk full?)");
  }
  fs::rename(tmp, p);
}

// Holds an exclusive lock on a file for its lifetime: processes asking for the same model export it
// once, the others wait and then find it.
class FileLock {
 public:
  explicit FileLock(const fs::path& path) {
    fs::create_directories(path.parent_path());
    fd_ = ::open(path.c_str(), O_CREAT | O_RDWR, 0644);
    if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) {
      throw Error(path.string() + ": cannot lock the model cache (" + std::strerror(errno) +
                  "). Set PAIRRM_MODEL_CACHE to a writable directory.");
    }
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// After a failed export: a cache folder that holds nothing but its lock goes, so that failures
// leave no empty models--* folders. A process waiting on the removed lock file still gets it and
// finds nothing exported; one arriving later makes a new lock file: at worst two exports of one
// model run at once, each into its own staged file, the last rename winning with the same bytes.
void drop_if_only_lock(const fs::path& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().filename() != ".lock") return;
  }
  if (!ec) fs::remove_all(dir, ec);
}

// Runs the project's exporter with `args`; its stderr (progress, errors) passes through to ours.
// Returns the exporter's exit code; throws when it cannot be started.
int run_exporter(const std::vector<std::string>& args, const ModelCacheHooks& hooks) {
  const std::string python = env_or("PAIRRM_PYTHON", hooks.exporter_python);
  const std::string scripts = env_or("PAIRRM_EXPORTER_DIR", hooks.exporter_dir);
  if (::access(python.c_str(), X_OK) != 0 || !fs::exists(fs::path(scripts) / "pairrm_export")) {
    throw Error("the exporter is not set up (looked for " + python + " and " + scripts +
                "/pairrm_export): run scripts/setup.sh in the pairrm source tree, or set PAIRRM_PYTHON and "
                "PAIRRM_EXPORTER_DIR; or export the model yourself and pass the file");
  }
  std::vector<std::string> argv_s = {python, "-m", "pairrm_export"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw Error("cannot start the exporter (fork failed)");
  if (pid == 0) {
    const std::string path = scripts + (std::getenv("PYTHONPATH") ? ":" + std::string(std::getenv("PYTHONPATH")) : "");
    ::setenv("PYTHONPATH", path.c_str(), 1);
    ::dup2(STDERR_FILENO, STDOUT_FILENO);  // stdout carries only our JSONL
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  // A stop (SIGTERM, Ctrl-C) ends the export too: the exporter is told, and waited for.
  int status = 0;
  bool told = false;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (hooks.stopped && hooks.stopped() && !told) {
      ::kill(pid, SIGTERM);
      told = true;
    }
    ::usleep(50 * 1000);
  }
  if (told) throw Error("the export was stopped by a signal");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

// Exports to `target` through a temporary file renamed at the end, so a half-written file is never
// loaded. The caller holds the cache lock. `what` names the model in messages.
void export_to(const fs::path& target, const std::vector<std::string>& source_args, const std::string& what,
               const ModelCacheHooks& hooks) {
  const fs::path tmp = target.string() + ".partial" + std::to_string(::getpid());
  if (hooks.note) hooks.note("exporting " + what + " into the model cache (once): " + target.string());
  std::vector<std::string> args = source_args;
  args.insert(args.end(), {"-o", tmp.string()});
  std::error_code ec;
  int rc = 1;
  try {
    rc = run_exporter(args, hooks);
  } catch (const Error&) {
    fs::remove(tmp, ec);
    throw;
  }
  if (rc != 0 || !fs::exists(tmp)) {
    fs::remove(tmp, ec);
    if (source_args.front() == "--checkpoint") {
      throw Error("cannot export " + what + ": the exporter's message above says what in the checkpoint directory "
                  "pairrm cannot use");
    }
    throw Error("cannot export " + what + " (the exporter's message is above). Offline or without Hub access: "
                "export it on a machine that has access (scripts/export_model.sh --hub NAME -o FILE) and pass the "
                "file with -m, or pass a downloaded checkpoint directory with -m DIR.");
  }
  fs::rename(tmp, target);
}

std::string cache_key_of_directory(const fs::path& dir) {
  // The directory's path and its files' sizes and times: a changed checkpoint is exported again.
  std::string facts = fs::canonical(dir).string();
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    facts += "|" + e.path().filename().string() + ":" + std::to_string(e.file_size()) + ":" +
             std::to_string(e.last_write_time().time_since_epoch().count());
  }
  return sha256_hex(facts).substr(0, 20);
}

std::string hub_cache_dir() {
  const std::string hf_home = env_or("HF_HOME", home() + "/.cache/huggingface");
  return env_or("HF_HUB_CACHE", env_or("HUGGINGFACE_HUB_CACHE", hf_home + "/hub"));
}

}  // namespace

std::string model_cache_dir() { return env_or("PAIRRM_MODEL_CACHE", home() + "/.cache/pairrm/models"); }

std::string verified_models_dir() { return model_cache_dir() + "/verified"; }

namespace {

bool hub_offline() {
  const std::string v = env_or("HF_HUB_OFFLINE", "");
  return v == "1" || v == "true" || v == "TRUE" || v == "yes" || v == "on" || v == "ON";
}

// The Hub's rules for a repository id part: letters, digits, '_', '-', '.'; starting and ending
// with a letter, digit or '_'; no "--" or ".."; 96 characters at most for org/name.
std::string hub_name_problem(const std::string& org, const std::string& name) {
  if (org.size() + 1 + name.size() > 96) return "longer than 96 characters";
  for (const std::string& part : {org, name}) {
    const auto edge = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    if (part.empty() || !edge(part.front()) || !edge(part.back())) return "\"" + part + "\" must start and end with a letter, digit or _";
    for (char c : part) {
      if (!edge(c) && c != '-' && c != '.') return "\"" + part + "\" holds '" + std::string(1, c) + "'";
    }
    if (part.find("--") != std::string::npos || part.find("..") != std::string::npos) return "\"" + part + "\" holds -- or ..";
  }
  return "";
}

ResolvedModel resolve_uncaught(const std::string& spec, const ModelCacheHooks& hooks, bool export_allowed) {
  ResolvedModel r{spec, spec, "", false, ""};
  std::error_code ec;
  if (spec.empty() || fs::is_regular_file(spec, ec)) return r;
  const std::string version = "v" + std::to_string(kFormatVersion);
  if (fs::is_directory(spec, ec)) {
    if (!fs::exists(fs::path(spec) / "config.json")) return r;  // read_model_file explains
    const fs::path dirs = fs::path(model_cache_dir()) / "dirs";
    const fs::path target = dirs / (cache_key_of_directory(spec) + "-" + version + ".pairrm");
    if (!fs::exists(target) && !export_allowed) {
      r.not_exported = "not exported yet; the first run exports it into " + target.string();
      r.path.clear();
      return r;
    }
    if (!fs::exists(target)) {
      struct Tidy {
        const fs::path& dir;
        ~Tidy() { drop_if_only_lock(dir); }
      } tidy{dirs};  // after the lock is released
      FileLock lock(dirs / ".lock");
      if (!fs::exists(target)) export_to(target, {"--checkpoint", spec}, spec, hooks);  // else: another process did
    }
    r.path = target.string();
    r.cached = true;
    return r;
  }
  // org/name[@revision]: word characters, dots and dashes (a revision may hold slashes too).
  const auto word = [](const std::string& t, bool slashes) {
    return !t.empty() && std::all_of(t.begin(), t.end(), [&](char c) {
             return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || (slashes && c == '/');
           });
  };
  const bool file_like = spec.size() > 7 && spec.compare(spec.size() - 7, 7, ".pairrm") == 0;
  const auto at = spec.find('@');
  const std::string repo = spec.substr(0, at);
  const auto slash = repo.find('/');
  if (file_like || slash == std::string::npos) return r;
  const std::string org = repo.substr(0, slash), name = repo.substr(slash + 1);
  const std::string wanted = at == std::string::npos ? "main" : spec.substr(at + 1);
  if (name.find('/') != std::string::npos) return r;  // a path: read_model_file says "not found"
  if (const std::string problem = hub_name_problem(org, name); !problem.empty()) {
    throw Error(spec + ": not a model file here, and not a valid Hub name (" + problem +
                "). Give a model file, a checkpoint directory, or org/name[@revision].");
  }
  if (!word(wanted, true)) throw Error(spec + ": the revision \"" + wanted + "\" is not a valid branch, tag or commit");
  const fs::path dir = fs::path(model_cache_dir()) / ("models--" + org + "--" + name);
  auto cached_file = [&](const std::string& commit) { return dir / (commit + "-" + version + ".pairrm"); };
  // Known without Python or the network: our refs, or the Hugging Face cache's refs to a commit we
  // exported before.
  auto known = [&]() -> std::string {
    const std::string ours = read_text(dir / "refs" / wanted);
    if (!ours.empty() && fs::exists(cached_file(ours))) return ours;
    const std::string hf = read_text(fs::path(hub_cache_dir()) / ("models--" + org + "--" + name) / "refs" / wanted);
    if (!hf.empty() && fs::exists(cached_file(hf))) return hf;
    return fs::exists(cached_file(wanted)) ? wanted : "";  // a commit hash given as the revision
  };
  std::string commit = known();
  if (commit.empty() && !export_allowed) {
    r.not_exported = hub_offline() ? "not exported yet; the first run exports it from the local Hugging Face snapshot "
                                     "(HF_HUB_OFFLINE is set)"
                                   : "not exported yet; the first run downloads it (PairRM: about 1.7 GB) and exports it "
                                     "into " + dir.string();
    r.path.clear();
    return r;
  }
  if (commit.empty()) {
    struct Tidy {
      const fs::path& dir;
      bool done = false;
      ~Tidy() {
        if (!done) drop_if_only_lock(dir);
      }
    } tidy{dir};  // after the lock is released
    FileLock lock(dir / ".lock");
    commit = known();  // another process may have exported it while we waited
    if (commit.empty()) {
      if (hooks.note) {
        hooks.note("first use of " + spec + (hub_offline() ? ": exporting it from the local Hugging Face snapshot (HF_HUB_OFFLINE)"
                                                           : ": downloading it (PairRM: about 1.7 GB) and exporting it"));
      }
      std::vector<std::string> args = {"--hub", org + "/" + name};
      if (wanted != "main") args.insert(args.end(), {"--revision", wanted});
      const fs::path staged = dir / ("staged-" + std::to_string(::getpid()) + ".pairrm");
      export_to(staged, args, spec, hooks);
      commit = read_model_file(staged.string()).info.revision;
      fs::rename(staged, cached_file(commit));
    }
    tidy.done = true;
    write_text_atomically(dir / "refs" / wanted, commit);
  }
  r.path = cached_file(commit).string();
  r.revision = commit;
  r.cached = true;
  return r;
}
}  // namespace

ResolvedModel resolve_model(const std::string& spec, const ModelCacheHooks& hooks, bool export_allowed) {
  try {
    return resolve_uncaught(spec, hooks, export_allowed);
  } catch (const fs::filesystem_error& e) {
    // Every directory, lock and rename of the cache: the path and the system's reason.
    const std::string where = e.path1().empty() ? model_cache_dir() : e.path1().string();
    throw Error(where + ": cannot use the model cache (" + e.code().message() +
                "). Set PAIRRM_MODEL_CACHE to a writable directory, or pass -m a model file.");
  }
}

std::vector<CachedModel> list_cached_models() {
  std::vector<CachedModel> out;
  std::error_code ec;
  const fs::path root = model_cache_dir();
  if (!fs::is_directory(root, ec)) return out;
  for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".pairrm") out.push_back({e.path().string(), e.file_size()});
  }
  std::sort(out.begin(), out.end(), [](const CachedModel& a, const CachedModel& b) { return a.path < b.path; });
  return out;
}

}  // namespace pairrm
