#include "pairrm/runtime/engines.hpp"

#include <sstream>

#include "pairrm/error.hpp"

namespace pairrm {

namespace {
bool is_index(const std::string& s) { return !s.empty() && s.size() < 6 && s.find_first_not_of("0123456789") == std::string::npos; }

void check_device(const std::string& spec, const std::string& device) {
  if (device == "auto" || device == "cpu" || device == "cuda") return;
  if (device.rfind("cuda:", 0) == 0 && is_index(device.substr(5))) return;
  throw Error("--device " + spec + ": \"" + device + "\" is not a device; expected auto, cpu, cuda, cuda:N or a list cuda:0,1");
}
}  // namespace

std::vector<std::string> device_list(const EngineOptions& options) {
  if (!find_choice(kDtypes, options.dtype)) throw Error("--dtype: " + not_a_choice(kDtypes, options.dtype));
  const std::string& spec = options.device;
  std::vector<std::string> out;
  std::stringstream in(spec);
  for (std::string part; std::getline(in, part, ',');) {
    if (part.empty()) throw Error("--device " + spec + ": empty device in the list");
    if (!out.empty() && is_index(part)) part = "cuda:" + part;
    check_device(spec, part);
    out.push_back(part);
  }
  if (out.empty()) out.push_back("auto");
  if (out.size() > 1) {
    for (const auto& d : out) {
      if (d.rfind("cuda:", 0) != 0) throw Error("--device " + spec + ": a list names CUDA devices (cuda:0,1)");
    }
  }
  return out;
}

std::vector<Scorer*> Engines::scorers() const {
  std::vector<Scorer*> out;
  for (const auto& e : engines) out.push_back(e.get());
  return out;
}

std::string Engines::where() const {
  std::string out;
  for (const auto& e : engines) out += (out.empty() ? "" : ", ") + e->device() + " " + e->dtype();
  return out;
}

std::string Engines::devices() const {
  std::string out;
  for (const auto& e : engines) out += (out.empty() ? "" : ",") + e->device();
  return out;
}

std::string Engines::dtype() const { return engines.empty() ? "" : engines.front()->dtype(); }

Engines load_engines(const ModelFile& model, const EngineOptions& options, const Layout& layout, BatchLimits& limits,
                     const std::function<void(const std::string&)>& note) {
  Engines out;
  for (const std::string& device : device_list(options)) {
    EngineOptions o = options;
    o.device = device;
    out.engines.push_back(load_engine(model, o));
  }
  if (!out.engines.front()->on_gpu()) return out;
  // The worst-case batch once on each GPU, so that a budget that does not fit shows at start.
  const auto length = static_cast<int64_t>(padded_length(static_cast<std::size_t>(layout.recipe().total_max_length)));
  while (true) {
    const auto rows = static_cast<int64_t>(
        std::max<std::size_t>(1, std::min(limits.max_pairs, limits.max_tokens / static_cast<std::size_t>(length))));
    try {
      for (auto& e : out.engines) e->warm_up(rows, length);
      return out;
    } catch (const OutOfMemory&) {
      if (rows == 1) throw Error("a single pair of the maximum length does not fit on the GPU; lower --source-max-length");
      limits.max_tokens /= 2;
      if (note) note("lowered --max-batch-tokens to " + std::to_string(limits.max_tokens) + " to fit the GPU");
    }
  }
}

}  // namespace pairrm
