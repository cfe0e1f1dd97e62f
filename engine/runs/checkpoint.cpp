#include "engine/runs/checkpoint.hpp"

#include <torch/serialize.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>
#include <vector>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/core/sha256.hpp"
#include "engine/core/regular_file.hpp"
#include "engine/runs/run_folder.hpp"
#include "engine/core/atomic_file.hpp"

namespace hearth {
namespace {

at::Tensor bytes_tensor(const std::string& bytes) {
  return at::from_blob(const_cast<char*>(bytes.data()), {static_cast<int64_t>(bytes.size())}, at::kByte).clone();
}

std::string tensor_bytes(const at::Tensor& t) {
  at::Tensor c = t.contiguous();
  return std::string(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.numel()));
}

// 2: with a SHA-256 of the contents. 1 (before it) is still read, without that check.
constexpr int64_t kFormat = 2;

/// SHA-256 over every entry but the checksum, each as its length and bytes: a flipped byte
/// anywhere in them changes it.
std::string contents_checksum(const std::vector<std::pair<const char*, at::Tensor>>& entries) {
  Sha256 hash;
  for (const auto& [name, tensor] : entries) {
    const at::Tensor t = tensor.defined() ? tensor.contiguous().cpu() : at::empty({0}, at::kByte);
    const uint64_t size = static_cast<uint64_t>(t.numel()) * t.element_size();
    hash.update(name, std::strlen(name) + 1).update(&size, sizeof size);
    if (size > 0) hash.update(t.data_ptr(), size);
  }
  return hash.hex();
}

std::vector<std::pair<const char*, at::Tensor>> checkpoint_entries(const CheckpointState& s) {
  std::vector<std::pair<const char*, at::Tensor>> entries = {{"model", bytes_tensor(s.model)},
          {"optimizer", bytes_tensor(s.optimizer)},
          {"scheduler", bytes_tensor(s.scheduler)},
          {"counters", at::tensor({s.epoch, s.batch_in_epoch, s.step, s.best_epoch, s.bad_epochs, s.skipped_steps,
                                   static_cast<int64_t>(s.has_best)})},
          {"best", at::tensor(s.best, at::kDouble)},
          {"rng", s.rng.defined() ? s.rng : at::empty({0}, at::kByte)},
          {"device_rng", s.device_rng.defined() ? s.device_rng : at::empty({0}, at::kByte)}};
  // Only when averaging: a checkpoint without it has the entries (and checksum) it always had.
  if (!s.training_model.empty()) entries.emplace_back("training_model", bytes_tensor(s.training_model));
  if (s.best_step >= 0) entries.emplace_back("best_step", at::tensor(s.best_step));  // likewise
  return entries;
}

}  // namespace

void save_checkpoint(const fs::path& path, const CheckpointState& s) {
  torch::serialize::OutputArchive a;
  a.write("format", at::tensor(kFormat));
  const auto entries = checkpoint_entries(s);
  for (const auto& [name, tensor] : entries) a.write(name, tensor);
  a.write("checksum", bytes_tensor(contents_checksum(entries)));
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
    const int64_t version = format.item<int64_t>();
    if (version != kFormat && version != 1)
      throw Error("format " + std::to_string(version) + " is not one this host reads (1, " + std::to_string(kFormat) + ")");
    a.read("model", model);
    a.read("optimizer", optimizer);
    a.read("scheduler", scheduler);
    a.read("counters", counters);
    a.read("best", best);
    a.read("rng", s.rng);
    if (!a.try_read("device_rng", s.device_rng)) s.device_rng = at::empty({0}, at::kByte);  // older checkpoints
    at::Tensor training_model;
    const bool averaged = a.try_read("training_model", training_model);
    at::Tensor best_step;
    const bool by_steps = a.try_read("best_step", best_step);
    if (version >= 2) {
      at::Tensor stored;
      a.read("checksum", stored);
      std::vector<std::pair<const char*, at::Tensor>> entries = {
          {"model", model}, {"optimizer", optimizer}, {"scheduler", scheduler}, {"counters", counters},
          {"best", best},   {"rng", s.rng},           {"device_rng", s.device_rng}};
      if (averaged) entries.emplace_back("training_model", training_model);
      if (by_steps) entries.emplace_back("best_step", best_step);
      const std::string actual = contents_checksum(entries);
      if (tensor_bytes(stored) != actual)
        throw ChecksumMismatch("checkpoint " + printable(path.string()) +
                               " fails its checksum: its contents changed after it was written (a damaged disk, a bad copy "
                               "or an edit), so it cannot be trusted");
    }
    if (counters.scalar_type() != at::kLong || counters.dim() != 1 || counters.numel() != 7 || best.numel() != 1)
      throw Error("its counters have the wrong shape");
    if (by_steps && (best_step.scalar_type() != at::kLong || best_step.numel() != 1)) throw Error("its best_step has the wrong shape");
    s.model = tensor_bytes(model);
    if (averaged) s.training_model = tensor_bytes(training_model);
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
    if (by_steps) s.best_step = best_step.item<int64_t>();
  } catch (const ChecksumMismatch&) {
    throw;
  } catch (const Error& e) {
    throw Error("checkpoint " + printable(path.string()) + " cannot be used: " + e.what());
  } catch (const c10::Error& e) {
    throw Error("checkpoint " + printable(path.string()) + " is truncated or corrupt (" + e.what_without_backtrace() +
                "); use the run's other checkpoint, or start a new run");
  } catch (const std::exception& e) {
    throw Error("checkpoint " + printable(path.string()) + " is truncated or corrupt (" + e.what() +
                "); use the run's other checkpoint, or start a new run");
  }
  return s;
}

void copy_checkpoint(const fs::path& from, const fs::path& to) {
  require_regular_file(from, "checkpoint");
  std::ifstream in(from, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.eof() && in.fail()) throw Error("cannot read checkpoint " + printable(from.string()));
  write_file_atomically(to, bytes, "checkpoint");
}

bool holds_best(const CheckpointState& s) {
  if (!s.has_best) return false;
  if (s.best_step >= 0) return s.step == s.best_step;
  return s.best_epoch == s.epoch && s.batch_in_epoch == 0;
}

bool repair_best(const CheckpointState& l, const fs::path& last, const fs::path& best) {
  if (!holds_best(l)) return false;
  std::error_code ec;
  if (fs::exists(best, ec)) {
    try {
      const CheckpointState b = load_checkpoint(best);
      if (l.best_step >= 0 ? b.step == l.best_step : b.epoch == l.best_epoch) return false;
    } catch (const Error&) {
      // damaged: `last` holds the same state, so it replaces it
    }
  }
  copy_checkpoint(last, best);
  return true;
}

}  // namespace hearth
