#include "engine/data/batch_loader.hpp"

#include <ATen/ATen.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>

#include "engine/core/error.hpp"
#include "engine/data/image_transforms.hpp"

namespace hearth {
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

}  // namespace

BatchLoader::BatchLoader(const DatasetModule& data, hearth_split source, IndexSet indices, int64_t batch_size,
                         bool shuffle, uint64_t seed, int workers)
    : data_(data), source_(source), order_(std::move(indices), batch_size, shuffle, seed), pool_(data, source, workers) {
  for (size_t i = 0; i < data.tensor_roles().size(); ++i) {
    if (data.tensor_roles()[i] == HEARTH_ROLE_INPUT) input_slots_.push_back(i);
    if (data.tensor_roles()[i] == HEARTH_ROLE_TARGET) target_slots_.push_back(i);
  }
  if (input_slots_.empty())
    throw PluginError(data.module().label() + ": the dataset declares no tensor with the input role");
  prefetcher_ = std::make_unique<BatchPrefetcher>([this](int64_t i) { return make(i); });
}

void BatchLoader::shard(int rank, int world) { order_.set_rank(rank, world); }

void BatchLoader::deliver_to(c10::Device device) { device_ = device; }

void BatchLoader::start_epoch(int64_t epoch, int64_t skip) {
  prefetcher_->drop();  // a batch of the previous epoch still under way
  order_.start(epoch);
  epoch_ = epoch;
  cursor_ = skip;
  wait_seconds_ = 0;
  bad_samples_ = 0;
  prefetch();
}

void BatchLoader::transform_with(std::vector<TransformStep> steps, uint64_t seed) {
  for (const TransformStep& s : steps) {
    if (s.tensor.empty()) continue;
    bool found = false;
    std::string inputs;
    for (size_t i : input_slots_) {
      found = found || data_.tensor_names()[i] == s.tensor;
      inputs += (inputs.empty() ? "" : ", ") + data_.tensor_names()[i];
    }
    if (!found)
      throw UsageError("[[transforms]] " + transform_op_names()[static_cast<size_t>(s.op)] + " names tensor '" + s.tensor +
                       "', which is not an input of the dataset (its inputs: " + inputs + ")");
  }
  // Each input's steps, chosen once: with every unnamed step (an image) and with its named ones only.
  slot_steps_.assign(input_slots_.size(), {});
  for (size_t k = 0; k < input_slots_.size(); ++k)
    for (const TransformStep& s : steps) {
      const bool named = s.tensor == data_.tensor_names()[input_slots_[k]];
      if (s.tensor.empty() || named) slot_steps_[k][0].push_back(s);
      if (named) slot_steps_[k][1].push_back(s);
    }
  steps_ = std::move(steps);
  transform_seed_ = seed;
  if (!steps_.empty()) pool_.finish_with([this](int64_t id, std::vector<at::Tensor>& sample) { transform(id, sample); });
}

void BatchLoader::transform(int64_t id, std::vector<at::Tensor>& sample) const {
  SampleRandom random(transform_seed_, epoch_, id);
  for (size_t k = 0; k < input_slots_.size(); ++k) {
    const size_t i = input_slots_[k];
    if (i >= sample.size()) return;  // counted as a bad sample when stacked
    const std::vector<TransformStep>& mine = slot_steps_[k][sample[i].dim() == 3 ? 0 : 1];
    if (!mine.empty())
      sample[i] = transform_image(sample[i], mine, random, "sample " + std::to_string(id) + "'s tensor '" + data_.tensor_names()[i] + "'");
  }
}

std::vector<at::Tensor> BatchLoader::columns_of(std::vector<int64_t>& ids) {
  if (steps_.empty()) {
    try {
      if (auto whole = data_.get_batch(source_, ids)) {
        batch_fetch_ = true;
        return std::move(*whole);
      }
    } catch (const std::exception&) {
      if (!skip_bad_) throw;
      // Some sample of the batch is bad: sample by sample, to find which.
    }
  }
  return gather(ids);
}

std::vector<at::Tensor> BatchLoader::gather(std::vector<int64_t>& ids) {
  std::vector<std::string> failures;
  // Stopping, a sample's failure is rethrown as the dataset raised it.
  std::vector<std::vector<at::Tensor>> samples = skip_bad_ ? pool_.fetch(ids, &failures) : pool_.fetch(ids);
  failures.resize(ids.size());
  mark_odd_shapes(ids, samples, failures);
  std::vector<std::vector<at::Tensor>> good;
  std::vector<int64_t> kept;
  static const char* const kSplit[] = {"train", "valid", "test"};
  for (size_t i = 0; i < ids.size(); ++i) {
    if (failures[i].empty()) {
      good.push_back(std::move(samples[i]));
      kept.push_back(ids[i]);
      continue;
    }
    if (!skip_bad_) throw PluginError(failures[i]);
    ++bad_samples_;
    spdlog::warn("bad_samples = \"skip\": left out sample {} of the dataset's {} split: {}", ids[i], kSplit[source_], failures[i]);
  }
  ids = std::move(kept);
  return good.empty() ? std::vector<at::Tensor>{} : stack_samples(good);
}

void BatchLoader::mark_odd_shapes(const std::vector<int64_t>& ids, const std::vector<std::vector<at::Tensor>>& samples,
                                  std::vector<std::string>& failures) const {
  const size_t tensors = data_.tensor_names().size();
  for (size_t i = 0; i < samples.size(); ++i)
    if (failures[i].empty() && samples[i].size() != tensors)
      failures[i] = data_.module().label() + ": sample " + std::to_string(ids[i]) + " has " + std::to_string(samples[i].size()) +
                    " tensors but the dataset declares " + std::to_string(tensors);
  for (size_t c = 0; c < tensors; ++c) {
    // The usual batch: one shape, seen without building anything.
    const at::Tensor* first = nullptr;
    bool alike = true;
    for (size_t i = 0; i < samples.size() && alike; ++i)
      if (failures[i].empty()) {
        if (first == nullptr) first = &samples[i][c];
        else alike = samples[i][c].sizes() == first->sizes();
      }
    if (alike) continue;
    // The shape most of the batch has; the others are the odd ones, named with both shapes.
    std::map<std::vector<int64_t>, size_t> counts;
    for (size_t i = 0; i < samples.size(); ++i)
      if (failures[i].empty()) ++counts[samples[i][c].sizes().vec()];
    const auto common = std::max_element(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    for (size_t i = 0; i < samples.size(); ++i)
      if (failures[i].empty() && samples[i][c].sizes().vec() != common->first)
        failures[i] = data_.module().label() + ": sample " + std::to_string(ids[i]) + "'s tensor '" + data_.tensor_names()[c] +
                      "' is " + shape_text(samples[i][c].sizes().vec()) + " where the rest of its batch is " +
                      shape_text(common->first) + "; give every sample one shape (for images: the dataset's size, or "
                      "[[transforms]] resize and center_crop)";
  }
}

std::vector<at::Tensor> BatchLoader::stack_samples(const std::vector<std::vector<at::Tensor>>& samples) const {
  std::vector<at::Tensor> columns;
  for (size_t c = 0; c < data_.tensor_names().size(); ++c) {
    std::vector<at::Tensor> column;
    for (const auto& s : samples) column.push_back(s[c]);
    columns.push_back(at::stack(column));  // one shape: mark_odd_shapes saw to it
  }
  return columns;
}

Batch BatchLoader::make(int64_t batch_index) {
  std::vector<int64_t> ids = order_.batch(batch_index);
  std::vector<at::Tensor> columns = columns_of(ids);
  if (ids.empty()) return Batch{};  // every sample of it was bad, and left out
  if (columns.size() != data_.tensor_names().size())
    throw PluginError(data_.module().label() + ": a batch has " + std::to_string(columns.size()) +
                      " tensors but the dataset declares " + std::to_string(data_.tensor_names().size()));
  Batch b;
  const bool to_device = !device_.is_cpu();
  auto deliver = [&](const at::Tensor& t) { return to_device ? t.pin_memory().to(device_, /*non_blocking=*/true) : t; };
  for (size_t i : input_slots_) b.inputs.push_back(deliver(columns[i]));
  for (size_t i : target_slots_) b.targets.push_back(deliver(columns[i]));
  b.size = static_cast<int64_t>(ids.size());
  b.columns = std::move(columns);
  return b;
}

void BatchLoader::prefetch() {
  if (cursor_ >= batch_count() || make_here()) return;
  prefetcher_->request(cursor_);
}

std::optional<Batch> BatchLoader::next() {
  const auto t0 = std::chrono::steady_clock::now();
  auto waited = [&] { wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  if (!prefetcher_->in_flight()) {
    if (!make_here() || cursor_ >= batch_count()) return std::nullopt;
    Batch b = make(cursor_++);
    waited();
    return b;
  }
  Batch b = prefetcher_->take();
  waited();
  ++cursor_;
  prefetch();
  return b;
}

}  // namespace hearth
