#include "engine/jobs/trainer.hpp"

#include <ATen/autocast_mode.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include "engine/core/error.hpp"
#include "engine/core/torch_compat.hpp"
#include "engine/jobs/augment.hpp"
#include "engine/jobs/data_loader.hpp"
#include "engine/jobs/job_modules.hpp"
#include "engine/jobs/model_graph.hpp"
#include "engine/jobs/progress.hpp"
#include "engine/jobs/tensorboard_writer.hpp"
#include "engine/plots/metrics_plot.hpp"
#include "engine/plots/run_curves.hpp"
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

/// bf16 autocast for the forward pass, where LibTorch offers it.
class AutocastScope {
 public:
  AutocastScope(bool on, const torch::Device& device) : on_(on), device_(device.type()) {
    if (on_) compat::set_autocast(device_, true, at::kBFloat16);
  }
  ~AutocastScope() {
    if (!on_) return;
    compat::set_autocast(device_, false, at::kBFloat16);
    at::autocast::clear_cache();
  }

 private:
  bool on_;
  c10::DeviceType device_;
};

/// metrics.png and metrics.svg, redrawn after every epoch. A picture that cannot be drawn is a
/// warning, never the end of a training run.
void refresh_metrics_plots(const fs::path& run) {
  try {
    RunCurves curves = read_run_curves(run);
    write_metrics_plot({curves}, run / "metrics.png");
    write_metrics_plot({curves}, run / "metrics.svg");
  } catch (const std::exception& e) {
    spdlog::warn("cannot draw the metric plots: {}", e.what());
  }
}

/// model.txt (the summary, also logged) and graph.svg in the run. Like the plots, a graph that
/// cannot be drawn is a warning: it never stops training.
void save_model_graph(const Job& job, JobModules& m, const fs::path& run, const std::string& device) {
  try {
    GraphPicture graph = trace_model_graph(*m.model, on_device(example_inputs(*m.data, 2), device), model_title(job));
    std::string summary = graph_summary_text(graph);
    write_file_atomically(run / "model.txt", summary);
    std::istringstream lines(summary);
    for (std::string line; std::getline(lines, line);) spdlog::info("{}", line);
    write_graph_picture(graph, run / "graph.svg");
  } catch (const std::exception& e) {
    spdlog::warn("cannot draw the model graph: {}", e.what());
  }
}

/// The metrics.csv columns of a job and the value that picks its best epoch.
struct MonitorPlan {
  std::vector<std::string> columns;
  std::string monitor;
  std::string mode;  ///< "min" or "max"
};

/// Columns and the monitored value: a `valid.` monitor falls back to `train.` without a valid
/// split, a value the job does not produce is an error naming the job file, and mode `auto`
/// follows the metric's own direction.
MonitorPlan plan_columns(const Job& job, JobModules& m, bool has_valid) {
  MonitorPlan plan;
  std::vector<std::string>& columns = plan.columns;
  columns = {"epoch", "step", "lr"};
  auto add_split_columns = [&](const std::string& split) {
    columns.push_back(split + ".loss");
    if (m.losses.size() > 1)
      for (const std::string& n : m.loss_names) columns.push_back(split + "." + n);
    for (const std::string& n : m.metric_names) columns.push_back(split + "." + n);
  };
  add_split_columns("train");
  if (has_valid) add_split_columns("valid");
  columns.push_back("skipped_steps");
  std::string& monitor = plan.monitor;
  monitor = string_of(job.train, "monitor");
  if (!has_valid && monitor.rfind("valid.", 0) == 0) {
    std::string fallback = "train." + monitor.substr(6);
    spdlog::warn("the job has no valid split (set [dataset] valid_fraction); monitoring {} instead of {}", fallback, monitor);
    monitor = fallback;
  }
  if (std::find(columns.begin(), columns.end(), monitor) == columns.end() || monitor == "epoch" || monitor == "step") {
    std::string list;
    for (size_t i = 3; i + 1 < columns.size(); ++i) list += (list.empty() ? "" : ", ") + columns[i];
    throw UsageError(job.file.string() + ": [train] monitor = \"" + monitor + "\" is not a value of this job; use one of " + list);
  }
  plan.mode = string_of(job.train, "mode");
  if (plan.mode == "auto") {
    plan.mode = "min";
    std::string value = monitor.substr(monitor.find('.') + 1);
    for (size_t i = 0; i < m.metric_names.size(); ++i)
      if (m.metric_names[i] == value) plan.mode = m.metrics[i]->higher_is_better() ? "max" : "min";
  }
  return plan;
}

/// Puts a checkpoint's model, optimizer, scheduler and random generators back.
void restore_state(const CheckpointState& state, JobModules& m, OptimizerModule& optimizer, SchedulerModule* scheduler,
                   const torch::Device& device) {
  m.model->load_state(state.model);
  optimizer.load_state(state.optimizer);
  if (scheduler && !state.scheduler.empty()) scheduler->load_state(state.scheduler);
  if (state.rng.defined() && state.rng.numel() > 0) {
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state.rng);
  }
  // On CUDA, dropout and other device-side randomness draw from the device's own generator.
  if (device.is_cuda() && state.device_rng.defined() && state.device_rng.numel() > 0) {
    at::Generator gen = at::globalContext().defaultGenerator(device);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state.device_rng);
  }
}

}  // namespace

TrainOutcome train(const Job& job, RunFolder& run, const std::optional<CheckpointState>& resume) {
  const uint64_t seed = static_cast<uint64_t>(int_of(job.job, "seed"));
  if (int64_t threads = int_of(job.job, "threads"); threads > 0) at::set_num_threads(static_cast<int>(threads));
  const std::string device_name = resolve_device(string_of(job.job, "device"));
  torch::Device device(device_name);
  torch::manual_seed(seed);

  // The analyze step comes first, in the natural order; its class weights may feed the losses.
  AnalysisOptions analysis;
  analysis.out_dir = run.path() / "analysis";
  JobModules m = make_job_modules(job, device.str(), [&](const DatasetModule& data) {
    return run_analysis(job, job.analyzers, data, analysis);
  });
  auto optimizer = std::make_unique<OptimizerModule>(
      module_ref(job.optimizer), job.optimizer.params);
  optimizer->bind(m.model->parameters());
  std::unique_ptr<SchedulerModule> scheduler;
  if (job.scheduler) {
    scheduler = std::make_unique<SchedulerModule>(
        module_ref(*job.scheduler), job.scheduler->params);
    scheduler->start(optimizer->lrs());
    // A schedule may begin below the base rate (warmup): the first batch must already see it.
    for (size_t g = 0; g < optimizer->group_count(); ++g) optimizer->set_lr(g, scheduler->current_lr(g));
  }
  if (!resume) save_model_graph(job, m, run.path(), device.str());
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

  const MonitorPlan monitored = plan_columns(job, m, valid_loader != nullptr);
  const std::vector<std::string>& columns = monitored.columns;
  const std::string& monitor = monitored.monitor;
  const std::string& mode = monitored.mode;
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
    restore_state(state, m, *optimizer, scheduler.get(), device);
    spdlog::info("resuming {} at epoch {} (step {}, batch {} of that epoch)", run.path().string(), state.epoch + 1,
                 state.step, state.batch_in_epoch);
  }

  // Checkpoints hold the evaluation-mode parameters (for schedule-free optimizers, the average x).
  optimizer->train(true);
  MetricsCsv csv(run.path() / "metrics.csv", columns, resume ? state.epoch : -1);
  TensorBoardWriter tb(run.path());
  Progress progress(epochs, int_of(job.train, "log_every"));
  auto& info = run.info();
  info["status"] = "running";
  info["monitor"] = {{"name", monitor}, {"mode", mode}};
  // The plots tell loss columns from metric columns by these names.
  info["columns"] = {{"losses", m.losses.size() > 1 ? m.loss_names : std::vector<std::string>{}},
                     {"metrics", m.metric_names}};
  run.save_info();

  auto snapshot = [&](int64_t epoch_done, int64_t batch_in_epoch) {
    state.model = m.model->save_state();
    state.optimizer = optimizer->save_state();
    state.scheduler = scheduler ? scheduler->save_state() : std::string();
    state.epoch = epoch_done;
    state.batch_in_epoch = batch_in_epoch;
    state.rng = at::detail::getDefaultCPUGenerator().get_state();
    if (device.is_cuda()) state.device_rng = at::globalContext().defaultGenerator(device).get_state();
    save_checkpoint(run.checkpoint("last"), state);
  };

  // One training epoch (or what is left of it after a mid-epoch interrupt).
  const Augmentation augmentation = augmentation_of(job.dataset.host);
  auto train_epoch = [&](int64_t epoch, int64_t skip, int64_t& batches_done) {
    for (auto& metric : m.metrics) metric->reset();
    std::vector<double> loss_sums(m.losses.size(), 0.0);
    double total_sum = 0;
    int64_t samples = 0, micro = 0;
    train_loader.start_epoch(epoch, skip);
    batches_done = skip;
    progress.start_epoch(epoch, train_loader.batch_count(), skip);
    m.model->train(true);
    while (auto batch = train_loader.next()) {
      std::vector<at::Tensor> inputs = on_device(batch->inputs, device_name), targets = on_device(batch->targets, device_name);
      if (augmentation.any()) inputs = augment_batch(inputs, augmentation, seed, epoch, batches_done);
      std::vector<at::Tensor> outputs;
      BatchLoss loss;
      {
        AutocastScope autocast(bf16, device);
        outputs = m.model->forward(inputs);
        loss = compute_losses(job, m, outputs, targets);
      }
      double total_value = loss.total.item<double>();
      if (!std::isfinite(total_value)) {
        if (!skip_nan)
          throw Error("the loss is " + std::string(std::isnan(total_value) ? "NaN" : "infinite") + " at epoch " +
                      std::to_string(epoch + 1) + ", train batch " + std::to_string(batches_done + 1) + " (step " +
                      std::to_string(state.step) +
                      "); lower the learning rate, clip gradients ([train] clip_norm) or set nan_policy = \"skip\"");
        ++state.skipped_steps;
        optimizer->zero_grad();
        micro = 0;
        ++batches_done;
        continue;
      }
      (accumulate == 1 ? loss.total : loss.total / static_cast<double>(accumulate)).backward();
      ++micro;
      if (micro == accumulate || batches_done + 1 == train_loader.batch_count()) {
        if (clip_value > 0) torch::nn::utils::clip_grad_value_(params, clip_value);
        if (clip_norm > 0) torch::nn::utils::clip_grad_norm_(params, clip_norm);
        optimizer->step();
        optimizer->zero_grad();
        micro = 0;
        ++state.step;
        if (scheduler && scheduler->interval() == HEARTH_STEP_BATCH) scheduler->step_and_apply(*optimizer, std::nullopt);
      }
      update_metrics(job, m, outputs, targets);
      if (m.losses.size() > 1)
        for (size_t i = 0; i < loss.values.size(); ++i) loss_sums[i] += loss.part(i) * static_cast<double>(batch->size);
      total_sum += total_value * static_cast<double>(batch->size);
      samples += batch->size;
      ++batches_done;
      progress.batch(batch->size, total_value);
      if (interrupt_requested()) break;
      if (max_steps > 0 && state.step >= max_steps) break;
    }
    progress.end_epoch();
    std::map<std::string, double> values;
    double n = static_cast<double>(std::max<int64_t>(samples, 1));
    values["train.loss"] = samples ? total_sum / n : NAN;
    for (size_t i = 0; i < m.losses.size() && m.losses.size() > 1; ++i)
      values["train." + m.loss_names[i]] = samples ? loss_sums[i] / n : NAN;
    for (size_t i = 0; i < m.metrics.size(); ++i) values["train." + m.metric_names[i]] = m.metrics[i]->compute();
    return values;
  };

  TrainOutcome outcome = TrainOutcome::completed;
  nlohmann::json timing = info.value("timing", nlohmann::json::array());
  try {
    for (int64_t epoch = state.epoch; epoch < epochs; ++epoch) {
      auto t0 = std::chrono::steady_clock::now();
      double lr = optimizer->lr(0);
      int64_t skip = epoch == state.epoch ? state.batch_in_epoch : 0;
      int64_t batches_done = 0;
      std::map<std::string, double> row = train_epoch(epoch, skip, batches_done);
      double data_wait = train_loader.wait_seconds();
      optimizer->train(false);  // validation and checkpoints see the evaluation-mode parameters
      if (interrupt_requested() && batches_done < train_loader.batch_count()) {
        snapshot(epoch, batches_done);
        outcome = TrainOutcome::interrupted;
        break;
      }
      bool last_epoch = epoch + 1 == epochs || (max_steps > 0 && state.step >= max_steps);
      if (valid_loader && ((epoch + 1) % validate_every == 0 || last_epoch)) {
        std::map<std::string, double> v = evaluate_split(job, m, *valid_loader, "valid", device.str());
        if (!skip_nan)
          for (const auto& [k, value] : v)
            if (std::isnan(value))
              throw Error("the " + k + " is NaN after epoch " + std::to_string(epoch + 1) +
                          "; lower the learning rate, clip gradients ([train] clip_norm) or set nan_policy = \"skip\"");
        row.insert(v.begin(), v.end());
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
      if (scheduler && scheduler->interval() == HEARTH_STEP_EPOCH) {
        auto it = row.find(monitor);
        scheduler->step_and_apply(*optimizer, it != row.end() ? std::optional<double>(it->second) : std::nullopt);
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
      refresh_metrics_plots(run.path());

      optimizer->train(true);
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
