#include "engine/jobs/trainer.hpp"

#include <ATen/autocast_mode.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <memory>

#include "engine/core/error.hpp"
#include "engine/jobs/data_loader.hpp"
#include "engine/jobs/progress.hpp"
#include "engine/jobs/tensorboard_writer.hpp"
#include "engine/runtime/modules/loss_module.hpp"
#include "engine/runtime/modules/metric_module.hpp"
#include "engine/runtime/modules/model_module.hpp"
#include "engine/runtime/modules/optimizer_module.hpp"
#include "engine/runtime/modules/scheduler_module.hpp"

namespace hearth {

std::atomic<bool>& interrupt_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

std::string resolve_device(const std::string& requested) {
  if (requested == "auto") return torch::cuda::is_available() ? "cuda" : "cpu";
  if (requested.rfind("cuda", 0) == 0 && !torch::cuda::is_available())
    throw UsageError("[job] device = \"" + requested + "\" but LibTorch sees no CUDA device; use \"auto\" or \"cpu\"");
  return requested;
}

namespace {

ModuleRef ref_of(const ModuleSpec& spec) {
  return load_module(spec.entry->file, spec.entry->info.category, spec.entry->info.name);
}

/// bf16 autocast for the forward pass, where LibTorch offers it.
class AutocastScope {
 public:
  AutocastScope(bool on, const torch::Device& device) : on_(on), cuda_(device.is_cuda()) {
    if (!on_) return;
    if (cuda_) {
      at::autocast::set_enabled(true);
      at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    } else {
      at::autocast::set_cpu_enabled(true);
      at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    }
  }
  ~AutocastScope() {
    if (!on_) return;
    if (cuda_) at::autocast::set_enabled(false);
    else at::autocast::set_cpu_enabled(false);
    at::autocast::clear_cache();
  }

 private:
  bool on_, cuda_;
};

std::vector<at::Tensor> to_device(const std::vector<at::Tensor>& v, const torch::Device& d) {
  std::vector<at::Tensor> out;
  for (const at::Tensor& t : v) out.push_back(t.to(d));
  return out;
}

const at::Tensor& pick(const std::vector<at::Tensor>& v, int64_t i, const std::string& what, const std::string& who) {
  if (i < 0 || static_cast<size_t>(i) >= v.size())
    throw UsageError(who + " reads " + what + " " + std::to_string(i) + " but there are only " + std::to_string(v.size()) +
                     "; set its '" + (what == "output" ? "output" : "target") + "' key");
  return v[static_cast<size_t>(i)];
}

struct Modules {
  std::unique_ptr<DatasetModule> data;
  std::unique_ptr<ModelModule> model;
  std::vector<std::unique_ptr<LossModule>> losses;
  std::vector<std::unique_ptr<MetricModule>> metrics;
  std::unique_ptr<OptimizerModule> optimizer;
  std::unique_ptr<SchedulerModule> scheduler;
  std::vector<std::string> loss_names, metric_names;
};

std::vector<std::string> unique_names(const std::vector<ModuleSpec>& specs) {
  std::vector<std::string> names;
  std::map<std::string, int> seen;
  for (const ModuleSpec& s : specs) {
    int n = seen[s.entry->info.name]++;
    names.push_back(s.entry->info.name + (n ? "_" + std::to_string(n) : ""));
  }
  return names;
}

/// One pass over a split: mean of each loss (weighted sum as "loss") and each metric.
struct PassResult {
  std::map<std::string, double> values;
};

}  // namespace

TrainOutcome train(const Job& job, RunFolder& run, const std::optional<CheckpointState>& resume) {
  const uint64_t seed = static_cast<uint64_t>(int_of(job.job, "seed"));
  if (int64_t threads = int_of(job.job, "threads"); threads > 0) at::set_num_threads(static_cast<int>(threads));
  torch::Device device(resolve_device(string_of(job.job, "device")));
  torch::manual_seed(seed);

  Modules m;
  m.data = std::make_unique<DatasetModule>(ref_of(job.dataset), job.dataset.params);
  m.model = std::make_unique<ModelModule>(ref_of(job.model), job.model.params);
  for (const ModuleSpec& l : job.losses) m.losses.push_back(std::make_unique<LossModule>(ref_of(l), l.params));
  for (const ModuleSpec& s : job.metrics) m.metrics.push_back(std::make_unique<MetricModule>(ref_of(s), s.params));
  m.loss_names = unique_names(job.losses);
  m.metric_names = unique_names(job.metrics);
  m.model->to_device(device.str());
  m.optimizer = std::make_unique<OptimizerModule>(ref_of(job.optimizer), job.optimizer.params);
  m.optimizer->bind(m.model->parameters());
  if (job.scheduler) {
    m.scheduler = std::make_unique<SchedulerModule>(ref_of(*job.scheduler), job.scheduler->params);
    m.scheduler->start(m.optimizer->lrs());
  }
  std::vector<at::Tensor> params = m.model->parameters();

  SplitPlan plan(*m.data, float_of(job.dataset.host, "valid_fraction"), float_of(job.dataset.host, "subsample"), seed);
  int64_t batch_size = int_of(job.dataset.host, "batch_size");
  int workers = static_cast<int>(int_of(job.dataset.host, "workers"));
  BatchLoader train_loader(*m.data, plan.source(SplitName::train), plan.indices(SplitName::train), batch_size,
                           bool_of(job.dataset.host, "shuffle"), seed, workers);
  std::unique_ptr<BatchLoader> valid_loader;
  if (!plan.indices(SplitName::valid).empty())
    valid_loader = std::make_unique<BatchLoader>(*m.data, plan.source(SplitName::valid), plan.indices(SplitName::valid),
                                                 batch_size, false, seed, workers);

  // Columns and the monitored value.
  std::vector<std::string> columns = {"epoch", "step", "lr"};
  auto add_split_columns = [&](const std::string& split) {
    columns.push_back(split + ".loss");
    if (m.losses.size() > 1)
      for (const std::string& n : m.loss_names) columns.push_back(split + "." + n);
    for (const std::string& n : m.metric_names) columns.push_back(split + "." + n);
  };
  add_split_columns("train");
  if (valid_loader) add_split_columns("valid");
  columns.push_back("skipped_steps");
  std::string monitor = string_of(job.train, "monitor");
  if (!valid_loader && monitor.rfind("valid.", 0) == 0) {
    std::string fallback = "train." + monitor.substr(6);
    spdlog::warn("the job has no valid split (set [dataset] valid_fraction); monitoring {} instead of {}", fallback, monitor);
    monitor = fallback;
  }
  if (std::find(columns.begin(), columns.end(), monitor) == columns.end() || monitor == "epoch" || monitor == "step") {
    std::string list;
    for (size_t i = 3; i + 1 < columns.size(); ++i) list += (list.empty() ? "" : ", ") + columns[i];
    throw UsageError(job.file.string() + ": [train] monitor = \"" + monitor + "\" is not a value of this job; use one of " + list);
  }
  std::string mode = string_of(job.train, "mode");
  if (mode == "auto") {
    mode = "min";
    std::string value = monitor.substr(monitor.find('.') + 1);
    for (size_t i = 0; i < m.metric_names.size(); ++i)
      if (m.metric_names[i] == value) mode = m.metrics[i]->higher_is_better() ? "max" : "min";
  }
  const bool maximize = mode == "max";
  const double min_delta = float_of(job.train, "min_delta");
  const int64_t patience = int_of(job.train, "patience");
  const int64_t epochs = int_of(job.train, "epochs");
  const int64_t max_steps = int_of(job.train, "max_steps");
  const int64_t validate_every = int_of(job.train, "validate_every");
  const int64_t accumulate = int_of(job.train, "accumulate");
  const double clip_norm = float_of(job.train, "clip_norm");
  const double clip_value = float_of(job.train, "clip_value");
  const bool skip_nan = string_of(job.train, "nan_policy") == "skip";
  const bool bf16 = string_of(job.train, "precision") == "bf16";

  CheckpointState state;
  if (resume) {
    state = *resume;
    m.model->load_state(state.model);
    m.optimizer->load_state(state.optimizer);
    if (m.scheduler && !state.scheduler.empty()) m.scheduler->load_state(state.scheduler);
    if (state.rng.defined() && state.rng.numel() > 0) {
      at::Generator gen = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_state(state.rng);
    }
    spdlog::info("resuming {} at epoch {} (step {}, batch {} of that epoch)", run.path().string(), state.epoch + 1,
                 state.step, state.batch_in_epoch);
  }

  MetricsCsv csv(run.path() / "metrics.csv", columns, resume ? state.epoch : -1);
  TensorBoardWriter tb(run.path());
  Progress progress(epochs, int_of(job.train, "log_every"));
  auto& info = run.info();
  info["status"] = "running";
  info["monitor"] = {{"name", monitor}, {"mode", mode}};
  run.save_info();

  auto snapshot = [&](int64_t epoch_done, int64_t batch_in_epoch) {
    state.model = m.model->save_state();
    state.optimizer = m.optimizer->save_state();
    state.scheduler = m.scheduler ? m.scheduler->save_state() : std::string();
    state.epoch = epoch_done;
    state.batch_in_epoch = batch_in_epoch;
    state.rng = at::detail::getDefaultCPUGenerator().get_state();
    save_checkpoint(run.checkpoint("last"), state);
  };

  auto run_pass = [&](BatchLoader& loader, const std::string& split, bool training, int64_t epoch, int64_t skip,
                      int64_t& batches_done) -> PassResult {
    for (auto& metric : m.metrics) metric->reset();
    std::vector<double> loss_sums(m.losses.size(), 0.0);
    double total_sum = 0;
    int64_t samples = 0, micro = 0;
    loader.start_epoch(epoch, skip);
    batches_done = skip;
    if (training) progress.start_epoch(epoch, loader.batch_count(), skip);
    m.model->train(training);
    std::unique_ptr<torch::NoGradGuard> no_grad;
    if (!training) no_grad = std::make_unique<torch::NoGradGuard>();
    while (auto batch = loader.next()) {
      std::vector<at::Tensor> inputs = to_device(batch->inputs, device), targets = to_device(batch->targets, device);
      std::vector<at::Tensor> outputs;
      at::Tensor total;
      std::vector<double> parts;
      {
        AutocastScope autocast(bf16, device);
        outputs = m.model->forward(inputs);
        for (size_t i = 0; i < m.losses.size(); ++i) {
          const ModuleSpec& spec = job.losses[i];
          const std::string who = "[" + spec.table + "] " + spec.entry->info.name;
          at::Tensor value = m.losses[i]->forward({pick(outputs, int_of(spec.host, "output"), "output", who)},
                                                  {pick(targets, int_of(spec.host, "target"), "target", who)});
          parts.push_back(value.item<double>());
          at::Tensor weighted = value.to(at::kFloat) * float_of(spec.host, "weight");
          total = total.defined() ? total + weighted : weighted;
        }
      }
      double total_value = total.item<double>();
      if (!std::isfinite(total_value)) {
        if (!training && skip_nan) {  // recorded as nan; the policy already lets the run go on
          total_sum = NAN;
          ++batches_done;
          continue;
        }
        if (!skip_nan)
          throw Error("the loss is " + std::string(std::isnan(total_value) ? "NaN" : "infinite") + " at epoch " +
                      std::to_string(epoch + 1) + ", " + split + " batch " + std::to_string(batches_done + 1) +
                      " (step " + std::to_string(state.step) +
                      "); lower the learning rate, clip gradients ([train] clip_norm) or set nan_policy = \"skip\"");
        ++state.skipped_steps;
        m.optimizer->zero_grad();
        micro = 0;
        ++batches_done;
        continue;
      }
      if (training) {
        (total / static_cast<double>(accumulate)).backward();
        ++micro;
        bool last_batch = batches_done + 1 == loader.batch_count();
        if (micro == accumulate || last_batch) {
          if (clip_value > 0) torch::nn::utils::clip_grad_value_(params, clip_value);
          if (clip_norm > 0) torch::nn::utils::clip_grad_norm_(params, clip_norm);
          m.optimizer->step();
          m.optimizer->zero_grad();
          micro = 0;
          ++state.step;
          if (m.scheduler && m.scheduler->interval() == HEARTH_STEP_BATCH)
            m.scheduler->step_and_apply(*m.optimizer, std::nullopt);
        }
      }
      for (size_t i = 0; i < m.metrics.size(); ++i) {
        const ModuleSpec& spec = job.metrics[i];
        const std::string who = "[" + spec.table + "] " + spec.entry->info.name;
        m.metrics[i]->update({pick(outputs, int_of(spec.host, "output"), "output", who).detach().to(at::kFloat)},
                             {pick(targets, int_of(spec.host, "target"), "target", who)});
      }
      for (size_t i = 0; i < parts.size(); ++i) loss_sums[i] += parts[i] * static_cast<double>(batch->size);
      total_sum += total_value * static_cast<double>(batch->size);
      samples += batch->size;
      ++batches_done;
      if (training) {
        progress.batch(batch->size, total_value);
        if (interrupt_requested()) break;
        if (max_steps > 0 && state.step >= max_steps) break;
      }
    }
    if (training) progress.end_epoch();
    PassResult r;
    double n = static_cast<double>(std::max<int64_t>(samples, 1));
    r.values[split + ".loss"] = samples ? total_sum / n : NAN;
    for (size_t i = 0; i < m.losses.size() && m.losses.size() > 1; ++i)
      r.values[split + "." + m.loss_names[i]] = samples ? loss_sums[i] / n : NAN;
    for (size_t i = 0; i < m.metrics.size(); ++i) r.values[split + "." + m.metric_names[i]] = m.metrics[i]->compute();
    return r;
  };

  TrainOutcome outcome = TrainOutcome::completed;
  nlohmann::json timing = info.value("timing", nlohmann::json::array());
  try {
    for (int64_t epoch = state.epoch; epoch < epochs; ++epoch) {
      auto t0 = std::chrono::steady_clock::now();
      double lr = m.optimizer->lr(0);
      int64_t skip = epoch == state.epoch ? state.batch_in_epoch : 0;
      int64_t batches_done = 0;
      PassResult train_result = run_pass(train_loader, "train", true, epoch, skip, batches_done);
      double data_wait = train_loader.wait_seconds();
      if (interrupt_requested() && batches_done < train_loader.batch_count()) {
        snapshot(epoch, batches_done);
        outcome = TrainOutcome::interrupted;
        break;
      }
      std::map<std::string, double> row = train_result.values;
      bool last_epoch = epoch + 1 == epochs || (max_steps > 0 && state.step >= max_steps);
      if (valid_loader && ((epoch + 1) % validate_every == 0 || last_epoch)) {
        int64_t ignored = 0;
        PassResult v = run_pass(*valid_loader, "valid", false, epoch, 0, ignored);
        row.insert(v.values.begin(), v.values.end());
      }
      row["epoch"] = static_cast<double>(epoch + 1);
      row["step"] = static_cast<double>(state.step);
      row["lr"] = lr;
      row["skipped_steps"] = static_cast<double>(state.skipped_steps);

      bool improved = false;
      if (auto it = row.find(monitor); it != row.end() && std::isfinite(it->second)) {
        double value = it->second;
        improved = !state.has_best || (maximize ? value > state.best + min_delta : value < state.best - min_delta);
        if (improved) {
          state.best = value;
          state.has_best = true;
          state.best_epoch = epoch + 1;
          state.bad_epochs = 0;
        } else {
          ++state.bad_epochs;
        }
      }
      if (m.scheduler && m.scheduler->interval() == HEARTH_STEP_EPOCH) {
        auto it = row.find(monitor);
        m.scheduler->step_and_apply(*m.optimizer, it != row.end() ? std::optional<double>(it->second) : std::nullopt);
      }

      std::vector<std::optional<double>> values;
      for (const std::string& c : columns) values.push_back(row.count(c) ? std::optional<double>(row[c]) : std::nullopt);
      csv.row(values);
      for (const auto& [k, v] : row) {
        if (k == "epoch" || k == "step" || !std::isfinite(v)) continue;
        std::string tag = k;
        std::replace(tag.begin(), tag.end(), '.', '/');
        tb.scalar(tag, v, epoch + 1);
      }
      tb.flush();
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      timing.push_back({{"epoch", epoch + 1}, {"seconds", seconds}, {"data_wait_seconds", data_wait}});
      spdlog::info("epoch {}/{}: {} = {:.5g}{} ({:.1f} s, data wait {:.2f} s)", epoch + 1, epochs, monitor,
                   row.count(monitor) ? row[monitor] : NAN, improved ? " (best)" : "", seconds, data_wait);

      snapshot(epoch + 1, 0);
      if (improved) {
        std::error_code ec;
        fs::copy_file(run.checkpoint("last"), run.checkpoint("best.tmp"), fs::copy_options::overwrite_existing, ec);
        if (!ec) fs::rename(run.checkpoint("best.tmp"), run.checkpoint("best"), ec);
        if (ec) throw Error("cannot write " + run.checkpoint("best").string() + ": " + ec.message());
      }
      info["epochs_done"] = epoch + 1;
      info["step"] = state.step;
      info["timing"] = timing;
      if (state.has_best) info["best"] = {{"monitor", monitor}, {"value", state.best}, {"epoch", state.best_epoch}};
      info["skipped_steps"] = state.skipped_steps;
      run.save_info();

      if (patience > 0 && state.bad_epochs >= patience) {
        spdlog::info("early stop: {} did not improve by more than {} for {} epochs", monitor, min_delta, patience);
        outcome = TrainOutcome::stopped_early;
        break;
      }
      if (max_steps > 0 && state.step >= max_steps) break;
      if (interrupt_requested()) {
        outcome = TrainOutcome::interrupted;
        break;
      }
    }
  } catch (const std::exception& e) {
    info["status"] = "failed";
    info["error"] = e.what();
    info["finished"] = utc_timestamp();
    info["timing"] = timing;
    run.save_info();
    throw;
  }
  info["status"] = outcome == TrainOutcome::completed       ? "completed"
                   : outcome == TrainOutcome::stopped_early ? "stopped_early"
                                                            : "interrupted";
  info["finished"] = utc_timestamp();
  info["timing"] = timing;
  run.save_info();
  return outcome;
}

}  // namespace hearth
