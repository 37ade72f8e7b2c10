#include "pairrm/runtime/engine.hpp"

#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/script.h>
#include <torch/torch.h>

#include "pairrm/error.hpp"

namespace pairrm {

namespace {

class TorchEngine : public Engine {
 public:
  TorchEngine(const ModelFile& model, const EngineOptions& options);
  std::vector<float> score(const Batch& batch) override;
  void warm_up(int64_t rows, int64_t length) override;
  bool on_gpu() const override { return device_.is_cuda(); }
  std::string device() const override { return device_.str(); }
  std::string dtype() const override;

 private:
  torch::jit::Module module_;
  torch::Device device_{torch::kCPU};
  torch::ScalarType dtype_ = torch::kFloat32;
};


torch::Device parse_device(const std::string& name) {
  if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (name == "cpu") return torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available()) {
      throw Error("--device " + name + ": no CUDA device is available here (use --device cpu or auto)");
    }
    torch::Device d(torch::kCUDA, 0);
    if (name.size() > 4) {
      if (name[4] != ':') throw Error("--device " + name + ": expected cuda or cuda:N");
      int index = -1;
      try {
        index = std::stoi(name.substr(5));
      } catch (const std::exception&) {
      }
      if (index < 0 || index >= static_cast<int>(torch::cuda::device_count())) {
        throw Error("--device " + name + ": there are " + std::to_string(torch::cuda::device_count()) +
                    " CUDA devices");
      }
      d = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
    }
    return d;
  }
  throw Error("--device " + name + ": expected auto, cpu, cuda or cuda:N");
}

bool bf16_works(const torch::Device& device) {
  try {
    auto x = torch::ones({8, 8}, torch::TensorOptions().device(device).dtype(torch::kBFloat16));
    auto y = torch::matmul(x, x);
    return y.to(torch::kFloat32).sum().item<float>() == 512.0f;
  } catch (const c10::Error&) {
    return false;
  }
}

// The name was checked against kDtypes before the engine loads (runtime/engines.cpp).
torch::ScalarType parse_dtype(const std::string& name, const torch::Device& device) {
  const auto* c = find_choice(kDtypes, name);
  if (!c) throw Error("--dtype " + not_a_choice(kDtypes, name));
  switch (c->value) {
    case Dtype::Fp32: return torch::kFloat32;
    case Dtype::Fp16: return torch::kFloat16;
    case Dtype::Bf16: return torch::kBFloat16;
    case Dtype::Auto: break;
  }
  if (device.is_cpu()) return torch::kFloat32;
  return bf16_works(device) ? torch::kBFloat16 : torch::kFloat16;
}

}  // namespace

TorchEngine::TorchEngine(const ModelFile& model, const EngineOptions& options) {
  if (options.threads > 0) at::set_num_threads(options.threads);
  // Run the graph as exported. The profiling executor would re-specialize it per input shape after
  // a few calls, so the same pair could take different kernels in different batches; our module is
  // already written for inference, and this keeps a pair's logit independent of its batch.
  torch::jit::setGraphExecutorOptimize(false);
  device_ = parse_device(options.device);
  dtype_ = parse_dtype(options.dtype, device_);
  try {
    module_ = torch::jit::load(model.path, device_);
    module_.eval();
    module_.to(device_, dtype_);
  } catch (const c10::Error& e) {
    throw Error(model.path + ": cannot load the model (" + std::string(e.what_without_backtrace()) +
                "). Re-export it with scripts/export_model.sh.");
  }
}

std::vector<float> TorchEngine::score(const Batch& batch) {
  c10::InferenceMode guard;
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64);
  // from_blob borrows the batch's host vectors; on CUDA they are staged through pinned memory so
  // the copies can run asynchronously.
  auto to_device = [&](const std::vector<int64_t>& v, int64_t cols) {
    auto t = torch::from_blob(const_cast<int64_t*>(v.data()), {batch.rows, cols}, i64);
    if (device_.is_cpu()) return t;
    return t.pin_memory().to(device_, /*non_blocking=*/true);
  };
  try {
    std::vector<torch::jit::IValue> inputs{to_device(batch.ids, batch.length), to_device(batch.mask, batch.length),
                                           to_device(batch.markers, 3)};
    auto logits = module_.forward(inputs).toTensor().to(torch::kCPU, torch::kFloat32).contiguous();  // [rows]
    const float* p = logits.data_ptr<float>();
    return std::vector<float>(p, p + logits.numel());
  } catch (const c10::OutOfMemoryError& e) {
    throw OutOfMemory(std::string("out of memory on ") + device_.str() + " for a batch of " +
                      std::to_string(batch.rows) + " x " + std::to_string(batch.length));
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    if (what.find("can't allocate memory") != std::string::npos || what.find("out of memory") != std::string::npos) {
      throw OutOfMemory("out of memory for a batch of " + std::to_string(batch.rows) + " x " + std::to_string(batch.length));
    }
    throw Error("the model failed on a batch of " + std::to_string(batch.rows) + " x " + std::to_string(batch.length) +
                ": " + what + " (this is a bug; please report it)");
  } catch (const std::exception& e) {  // an exception raised inside the TorchScript code
    throw Error("the model failed on a batch of " + std::to_string(batch.rows) + " x " + std::to_string(batch.length) +
                ": " + e.what() + " (this is a bug; please report it)");
  }
}

void TorchEngine::warm_up(int64_t rows, int64_t length) {
  Batch b;
  b.rows = rows;
  b.length = length;
  b.ids.assign(rows * length, 5);
  b.mask.assign(rows * length, 1);
  for (int64_t r = 0; r < rows; ++r) b.markers.insert(b.markers.end(), {1, length / 3, 2 * length / 3});
  score(b);
}

std::string TorchEngine::dtype() const {
  switch (dtype_) {
    case torch::kBFloat16: return "bf16";
    case torch::kFloat16: return "fp16";
    default: return "fp32";
  }
}

}  // namespace pairrm

extern "C" pairrm::Engine* pairrm_create_engine(const pairrm::ModelFile* model, const pairrm::EngineOptions* options,
                                               std::string* error, bool* out_of_memory) {
  try {
    return new pairrm::TorchEngine(*model, *options);
  } catch (const pairrm::OutOfMemory& e) {
    *out_of_memory = true;
    *error = e.what();
  } catch (const std::exception& e) {
    *error = e.what();
  }
  return nullptr;
}
