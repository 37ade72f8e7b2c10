#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <mutex>
#include <string>

#include "pairrm/error.hpp"
#include "pairrm/runtime/engine.hpp"

namespace pairrm {

namespace {

// libpairrm_engine.so next to the running binary (the build folder, or where both are installed).
std::string engine_library_path() {
  if (const char* env = std::getenv("PAIRRM_ENGINE_LIBRARY"); env && *env) return env;
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  std::string dir = n > 0 ? std::string(self, static_cast<std::size_t>(n)) : std::string();
  dir = dir.substr(0, dir.find_last_of('/') + 1);
  return dir + "libpairrm_engine.so";
}

using Create = decltype(&pairrm_create_engine);

Create engine_factory() {
  static std::once_flag once;
  static Create create = nullptr;
  static std::string failure;
  std::call_once(once, [] {
    const std::string path = engine_library_path();
    // RTLD_LOCAL: libtorch's symbols (its bundled fmt among them) stay out of our namespace.
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* why = ::dlerror();
      failure = path + ": cannot load the model engine (" + std::string(why ? why : "unknown reason") +
                "). It is built next to the pairrm binary; rebuild (scripts/setup.sh) or set PAIRRM_ENGINE_LIBRARY.";
      return;
    }
    create = reinterpret_cast<Create>(::dlsym(handle, "pairrm_create_engine"));
    if (!create) failure = path + ": not a pairrm engine library (no pairrm_create_engine); rebuild it";
  });
  if (!create) throw Error(failure);
  return create;
}

}  // namespace

std::unique_ptr<Engine> load_engine(const ModelFile& model, const EngineOptions& options) {
  std::string error;
  bool out_of_memory = false;
  Engine* engine = engine_factory()(&model, &options, &error, &out_of_memory);
  if (!engine) {
    if (out_of_memory) throw OutOfMemory(error);
    throw Error(error);
  }
  return std::unique_ptr<Engine>(engine);
}

}  // namespace pairrm
