#include "engine/jobs/checkpoint.hpp"

#include <torch/serialize.h>

#include <sstream>

#include "engine/core/error.hpp"
#include "engine/core/regular_file.hpp"
#include "engine/jobs/run_folder.hpp"

namespace hearth {
namespace {

constexpr int64_t kFormat = 1;

at::Tensor bytes_tensor(const std::string& bytes) {
  return at::from_blob(const_cast<char*>(bytes.data()), {static_cast<int64_t>(bytes.size())}, at::kByte).clone();
}

std::string tensor_bytes(const at::Tensor& t) {
  at::Tensor c = t.contiguous();
  return std::string(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.numel()));
}

}  // namespace

void save_checkpoint(const fs::path& path, const CheckpointState& s) {
  torch::serialize::OutputArchive a;
  a.write("format", at::tensor(kFormat));
  a.write("model", bytes_tensor(s.model));
  a.write("optimizer", bytes_tensor(s.optimizer));
  a.write("scheduler", bytes_tensor(s.scheduler));
  a.write("counters", at::tensor({s.epoch, s.batch_in_epoch, s.step, s.best_epoch, s.bad_epochs, s.skipped_steps,
                                  static_cast<int64_t>(s.has_best)}));
  a.write("best", at::tensor(s.best, at::kDouble));
  a.write("rng", s.rng.defined() ? s.rng : at::empty({0}, at::kByte));
  a.write("device_rng", s.device_rng.defined() ? s.device_rng : at::empty({0}, at::kByte));
  // Serialised in memory first: LibTorch's file writer throws from its destructor when the disk
  // fills, which ends the process (std::terminate) and leaves its temporary behind.
  std::ostringstream bytes;
  a.save_to(bytes);
  try {
    fs::create_directories(path.parent_path());
    write_file_atomically(path, bytes.str(), "checkpoint");
  } catch (const std::exception& e) {
    throw Error(std::string(e.what()) + "; the previous checkpoint is untouched");
  }
}

CheckpointState load_checkpoint(const fs::path& path) {
  require_regular_file(path, "checkpoint");
  CheckpointState s;
  try {
    torch::serialize::InputArchive a;
    a.load_from(path.string());
    at::Tensor format, model, optimizer, scheduler, counters, best;
    a.read("format", format);
    if (format.item<int64_t>() != kFormat)
      throw Error("format " + std::to_string(format.item<int64_t>()) + " is not this host's " + std::to_string(kFormat));
    a.read("model", model);
    a.read("optimizer", optimizer);
    a.read("scheduler", scheduler);
    a.read("counters", counters);
    a.read("best", best);
    a.read("rng", s.rng);
    if (!a.try_read("device_rng", s.device_rng)) s.device_rng = at::empty({0}, at::kByte);  // older checkpoints
    s.model = tensor_bytes(model);
    s.optimizer = tensor_bytes(optimizer);
    s.scheduler = tensor_bytes(scheduler);
    auto c = counters.accessor<int64_t, 1>();
    s.epoch = c[0];
    s.batch_in_epoch = c[1];
    s.step = c[2];
    s.best_epoch = c[3];
    s.bad_epochs = c[4];
    s.skipped_steps = c[5];
    s.has_best = c[6] != 0;
    s.best = best.item<double>();
  } catch (const Error& e) {
    throw Error("checkpoint " + path.string() + " cannot be used: " + e.what());
  } catch (const c10::Error& e) {
    throw Error("checkpoint " + path.string() + " is truncated or corrupt (" + e.what_without_backtrace() +
                "); use the run's other checkpoint, or start a new run");
  } catch (const std::exception& e) {
    throw Error("checkpoint " + path.string() + " is truncated or corrupt (" + e.what() +
                "); use the run's other checkpoint, or start a new run");
  }
  return s;
}

}  // namespace hearth
