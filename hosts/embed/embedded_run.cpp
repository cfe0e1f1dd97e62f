#include "hosts/embed/embedded_run.hpp"

#include <dlfcn.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <unistd.h>

#include <fstream>

#include "engine/core/atomic_file.hpp"
#include "engine/core/error.hpp"
#include "engine/discovery/plugin_registry.hpp"
#include "engine/export/program_inputs.hpp"
#include "engine/jobs/job_overrides.hpp"
#include "engine/jobs/job_modules.hpp"
#include "engine/runs/run_condition.hpp"
#include "engine/training/blamed_calls.hpp"
#include "engine/training/monitor_plan.hpp"
#include "hosts/jobs/run_creation.hpp"
#include "hosts/jobs/run_history.hpp"
#include "hosts/embed/group_rows.hpp"

namespace hearth::embed {
namespace {

/// The installation (or build tree) this library belongs to: <prefix>/lib/libhearth_embed.so,
/// with the built-in plugins under <prefix>/lib/hearth/plugins and the scanner under
/// <prefix>/libexec/hearth. The program's own executable says nothing about where Hearth is.
fs::path library_prefix() {
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&library_prefix), &info) == 0 || info.dli_fname == nullptr)
    throw Error("cannot tell where libhearth_embed is installed");
  return fs::absolute(info.dli_fname).parent_path().parent_path();
}

DiscoveryOptions discovery_of(const std::vector<std::string>& plugin_paths, const fs::path& job_folder) {
  const fs::path prefix = library_prefix();
  DiscoveryOptions o;
  for (const std::string& p : plugin_paths) o.roots.plugin_paths.emplace_back(p);
  o.roots.job_folder = job_folder;
  o.roots.builtin_folder = prefix / "lib" / "hearth" / "plugins";
  if (!std::getenv("HEARTH_SCANNER")) o.scanner.scanner = prefix / "libexec" / "hearth" / "hearth-plugin-scanner";
  return o;
}

/// A job given as text becomes a file, so that it is loaded, validated and copied into the run
/// as a job file is (its paths stay relative to the current folder).
fs::path job_text_file(const std::string& text) {
  const fs::path file = fs::temp_directory_path() / ("hearth-embed-job-" + std::to_string(::getpid()) + ".toml");
  write_file_atomically(file, text, "job");
  return file;
}

/// Removes a file when it goes, however the scope ends.
struct TemporaryFile {
  fs::path path;
  ~TemporaryFile() {
    std::error_code ec;
    if (!path.empty()) fs::remove(path, ec);
  }
};

/// Whether the run has a checkpoint to continue from.
bool has_last(const RunFolder& run) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(run.checkpoint(CheckpointName::last), ec));
}

}  // namespace

EmbeddedRun::EmbeddedRun(const EmbedRequest& request) {
  open_run(request);
  SessionOptions options;
  options.data = opened_.job.dataset.entry != nullptr;
  options.group = joined_.group.get();
  session_ = std::make_unique<Session>(opened_.job, options);
  for (size_t i = 0; i < opened_.job.metrics.size(); ++i) {
    const ModuleSpec& s = opened_.job.metrics[i];
    valid_metrics_.push_back({std::make_unique<MetricModule>(module_ref(s), s.params), opened_.job.options.metrics[i], s.table,
                              s.entry->info.name});
  }
  session_->start_training();
  if (resumed_) {
    session_->restore_state(*resumed_);
    epoch_ = resumed_->epoch;
    batches_ = resumed_->batch_in_epoch;
  }
  session_->optimizer().train(true);
  plan_ = plan_columns(opened_.job, session_->modules(), true);
  start_observers();
}

EmbeddedRun::~EmbeddedRun() = default;

void EmbeddedRun::open_run(const EmbedRequest& request) {
  jobs::RequestBase base;
  base.command = "embed";
  base.command_line = "hearth_embed_open (pid " + std::to_string(::getpid()) + ")";
  if (!request.resume.empty())
    open_resumed(request, base);
  else
    open_new(request, base);
  log_.emplace(jobs::log_file(run_, joined_.world));
  joined_.log();
  spdlog::info("run {} ({})", run_.path().string(), base.command_line);
  if (!writer()) return;
  run_.record().process = this_process();
  run_.save_record();
}

void EmbeddedRun::open_resumed(const EmbedRequest& request, const jobs::RequestBase& base) {
  const fs::path here = fs::current_path();
  run_ = RunFolder::open(request.resume);
  opened_.file = run_.path() / "job.toml";
  opened_.plugin_paths = request.plugin_paths;
  opened_.registry = std::make_unique<PluginRegistry>(PluginRegistry::discover(discovery_of(request.plugin_paths, here)));
  opened_.job = load_job_with(opened_.file, {}, *opened_.registry, here, true);
  // Judged before this process claims the run: afterwards its recorded process is this one.
  const RunCondition found = assess_run(run_.path(), run_.record());
  join_ranks();
  if (writer()) lock_.emplace(RunLock::acquire(run_.path()));
  if (has_last(run_)) {
    resumed_ = jobs::load_resume_checkpoint(run_, CheckpointName::last);
    if (writer()) jobs::repair_best_checkpoint(run_, *resumed_);
  }
  if (writer()) jobs::record_resume(run_, opened_.job, base.command_line, found, resumed_ ? "last" : "none", joined_.world.size);
}

void EmbeddedRun::open_new(const EmbedRequest& request, const jobs::RequestBase& base) {
  const fs::path here = fs::current_path();
  opened_.file = request.job_file.empty() ? job_text_file(request.job_toml) : fs::absolute(request.job_file);
  const TemporaryFile text_file{request.job_file.empty() ? opened_.file : fs::path()};
  const fs::path folder = request.job_file.empty() ? here : opened_.file.parent_path();
  opened_.plugin_paths = request.plugin_paths;
  opened_.registry = std::make_unique<PluginRegistry>(PluginRegistry::discover(discovery_of(request.plugin_paths, folder)));
  try {
    opened_.job = load_job_with(opened_.file, {}, *opened_.registry, here, true);
  } catch (const UsageError& e) {
    if (!request.job_file.empty()) throw;
    // The text's temporary file means nothing to the program: its errors name job_toml.
    std::string text = e.what();
    for (size_t at = text.find(opened_.file.string()); at != std::string::npos; at = text.find(opened_.file.string(), at))
      text.replace(at, opened_.file.string().size(), "job_toml");
    throw UsageError(text);
  }
  join_ranks();
  if (writer()) {
    const std::string runs = request.runs_dir.empty() ? (folder / opened_.job.options.general.runs).string() : request.runs_dir;
    run_ = jobs::create_run(opened_, base, runs);
    if (request.job_file.empty()) run_.record().job_file = (run_.path() / "job.source.toml").string();  // the text's copy
    lock_.emplace(RunLock::acquire(run_.path()));
  }
  if (!joined_.group) return;
  jobs::share_run_folder(*joined_.group, run_);
  if (writer()) jobs::record_world(run_, *joined_.group);
}

void EmbeddedRun::join_ranks() {
  // Every rank checks that the others resolved the same job (their hashes through the store).
  joined_ = jobs::join_world(opened_.job);
}

void EmbeddedRun::start_observers() {
  const TrainOptions& t = opened_.job.options.train;
  chain_ = std::make_unique<ObserverChain>(*session_, plan_);
  step_ = std::make_unique<TrainStep>(*session_);
  checkpointer_ = std::make_unique<Checkpointer>(*session_, writer() ? &run_ : nullptr, plan_, resumed_ ? &*resumed_ : nullptr);
  scheduler_ = std::make_unique<EpochScheduler>(*session_);
  early_stopping_ = std::make_unique<EarlyStopping>(plan_.monitor, t.patience, t.min_delta, false);
  chain_->add(*checkpointer_);
  chain_->add(*scheduler_);
  train_tally_ = std::make_unique<EpochTally>(session_->modules().losses.size());
  valid_tally_ = std::make_unique<EpochTally>(session_->modules().losses.size());
  epoch_start_ = std::chrono::steady_clock::now();
  if (!writer()) return;
  run_.record().device = session_->device_name();
  run_.record().status = RunStatus::running;
  run_.save_record();
}

void EmbeddedRun::start_recording() {
  recording_ = true;
  for (const std::string& name : logged_order_) plan_.columns.push_back(name);
  if (writer()) {
    recorder_.emplace(run_, plan_, column_names(session_->modules()), resumed_ ? resumed_->epoch : -1);
    plots_ = std::make_unique<PlotRedraw>(run_.path(), plan_);
    chain_->add(*recorder_);
    chain_->add(*plots_);
  }
  chain_->add(*early_stopping_);  // last, as in `hearth run`: the verdict after every file is written
}

void EmbeddedRun::check_signature(const std::vector<at::Tensor>& tensors, const std::optional<ArraySignature>& first,
                                  const char* what) const {
  if (!first) return;
  ArraySignature now;
  for (const at::Tensor& t : tensors) {
    now.shapes.emplace_back(t.sizes().begin() + (t.dim() > 0 ? 1 : 0), t.sizes().end());
    now.dtypes.push_back(t.scalar_type());
  }
  if (now.shapes.size() != first->shapes.size())
    throw ShapeMismatch(std::string("this step gives ") + std::to_string(now.shapes.size()) + " " + what + " where the session's "
                        "first step gave " + std::to_string(first->shapes.size()));
  for (size_t i = 0; i < now.shapes.size(); ++i) {
    if (now.shapes[i] == first->shapes[i] && now.dtypes[i] == first->dtypes[i]) continue;
    std::string expected = "[batch";
    for (int64_t d : first->shapes[i]) expected += ", " + std::to_string(d);
    throw ShapeMismatch(std::string(what) + " " + std::to_string(i) + " is " + shapes_text({tensors[i]}) +
                        ", but the session's first step had " + expected + "] " + c10::toString(first->dtypes[i]) +
                        " (the batch size may differ; nothing else may)");
  }
}

void EmbeddedRun::remember_signature(const std::vector<at::Tensor>& tensors, std::optional<ArraySignature>& first) {
  if (first) return;
  first.emplace();
  for (const at::Tensor& t : tensors) {
    first->shapes.emplace_back(t.sizes().begin() + (t.dim() > 0 ? 1 : 0), t.sizes().end());
    first->dtypes.push_back(t.scalar_type());
  }
}

double EmbeddedRun::train_step(const std::vector<at::Tensor>& inputs, const std::vector<at::Tensor>& targets) {
  if (finished_) throw BadArgument("the session has finished training (it was closed)");
  check_signature(inputs, inputs_, "input");
  check_signature(targets, targets_, "target");
  const auto t0 = std::chrono::steady_clock::now();
  const std::string& device = session_->device_name();
  const int64_t samples = inputs.empty() ? 0 : inputs[0].size(0);
  session_->parallel().set_activity("training", epoch_ + 1, batches_ + 1);
  if (batches_ == 0) {
    step_->start_epoch();
    session_->modules().model->train(true);
  }
  const StepResult r = step_->run(on_device(inputs, device), on_device(targets, device), samples, epoch_, batches_, 0, *train_tally_);
  remember_signature(inputs, inputs_);
  remember_signature(targets, targets_);
  keep_example(inputs);
  ++batches_;
  train_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r.loss;
}

void EmbeddedRun::keep_example(const std::vector<at::Tensor>& inputs) {
  if (example_kept_) return;
  example_kept_ = true;
  std::error_code ec;
  if (writer() && !fs::exists(fs::symlink_status(program_inputs_file(run_.path()), ec))) write_program_inputs(run_.path(), inputs);
}

double EmbeddedRun::eval_step(const std::vector<at::Tensor>& inputs, const std::vector<at::Tensor>& targets) {
  check_signature(inputs, inputs_, "input");
  check_signature(targets, targets_, "target");
  const std::string& device = session_->device_name();
  torch::NoGradGuard no_grad;
  JobModules& m = session_->modules();
  m.model->train(false);
  std::vector<at::Tensor> outputs = forward_blamed(m, on_device(inputs, device));
  const std::vector<at::Tensor> on = on_device(targets, device);
  BatchLoss loss = losses_blamed(m, outputs, on, false);
  update_metrics(valid_metrics_, outputs, on);
  remember_signature(inputs, inputs_);
  remember_signature(targets, targets_);
  const double total = loss.total.item<double>();
  valid_tally_->add(loss, total, inputs.empty() ? 0 : inputs[0].size(0));
  m.model->train(true);
  return total;
}

std::vector<at::Tensor> EmbeddedRun::predict(const std::vector<at::Tensor>& inputs) {
  std::vector<at::Tensor> out = session_->predict(inputs);
  if (!finished_) session_->modules().model->train(true);
  return out;
}

void EmbeddedRun::log_scalar(const std::string& name, double value) {
  if (name.empty() || name.find_first_of(",\"\n\r") != std::string::npos)
    throw BadArgument("a logged scalar's name must be a plain word, not '" + name + "' (it becomes a metrics.csv column)");
  if (recording_ && !logged_.count(name) &&
      std::find(plan_.columns.begin(), plan_.columns.end(), name) == plan_.columns.end())
    throw BadArgument("'" + name + "' was not logged in the session's first epoch, so metrics.csv has no column for it; "
                     "log every scalar from the first epoch on");
  if (!logged_.count(name) && !recording_) logged_order_.push_back(name);
  logged_[name] = value;
}

EpochReport EmbeddedRun::epoch_report() {
  JobModules& m = session_->modules();
  EpochReport report;
  report.epoch = epoch_;
  report.row = train_tally_->row("train", m.losses, m.metrics);
  std::map<std::string, double> valid;
  if (joined_.group)
    valid = valid_row_over(*joined_.group, *valid_tally_, m.losses, valid_metrics_);
  else if (valid_tally_->samples() > 0)
    valid = valid_tally_->row("valid", m.losses, valid_metrics_);
  report.row.insert(valid.begin(), valid.end());
  for (const auto& [name, value] : logged_) report.row[name] = value;
  report.row["epoch"] = static_cast<double>(epoch_ + 1);
  report.row["step"] = static_cast<double>(session_->step());
  report.row["lr"] = session_->optimizer().lr(0);
  report.row["skipped_steps"] = static_cast<double>(session_->skipped_steps());
  if (auto it = report.row.find(plan_.monitor); it != report.row.end()) report.monitored = it->second;
  // A monitored scalar the program logs may differ between ranks: rank 0's decides for all.
  if (joined_.group) report.monitored = rank0_value(*joined_.group, report.monitored);
  report.step = session_->step();
  report.skipped_steps = session_->skipped_steps();
  report.timing = {0, train_seconds_, 0, std::nullopt};
  return report;
}

bool EmbeddedRun::end_epoch() {
  if (finished_) throw BadArgument("the session has finished training (it was closed)");
  if (!recording_) start_recording();
  session_->optimizer().train(false);  // the observers see the evaluation-mode parameters
  // Ranks that average every gradient hold the same weights; checked (and mended) here, as `hearth
  // run` does each epoch, so that every rank checkpoints and decides on rank 0's model.
  if (const int64_t differed = session_->follow_rank0_model())
    spdlog::warn("{} of the model's parameters differed from rank 0's after epoch {}; every rank now holds rank 0's", differed,
                 epoch_ + 1);
  EpochReport report = epoch_report();
  chain_->end_epoch(report, epoch_start_);
  const std::optional<TrainOutcome> verdict = chain_->verdict(report);
  session_->optimizer().train(true);
  for (MetricSlot& metric : session_->modules().metrics) metric->reset();
  for (MetricSlot& metric : valid_metrics_) metric->reset();
  train_tally_ = std::make_unique<EpochTally>(session_->modules().losses.size());
  valid_tally_ = std::make_unique<EpochTally>(session_->modules().losses.size());
  logged_.clear();
  ++epoch_;
  batches_ = 0;
  train_seconds_ = 0;
  epoch_start_ = std::chrono::steady_clock::now();
  any_epoch_ = true;
  stopped_early_ = verdict == TrainOutcome::stopped_early;
  const TrainOptions& t = opened_.job.options.train;
  return verdict.has_value() || epoch_ >= t.epochs || session_->step_limit_reached();
}

void EmbeddedRun::save() {
  session_->optimizer().train(false);
  chain_->interrupted(epoch_, batches_);  // the checkpointer writes `last` at this batch
  session_->optimizer().train(true);
}

void EmbeddedRun::record_error(const std::string& message) {
  if (log_) log_->record_error(message);
}

void EmbeddedRun::finish() {
  if (finished_) return;
  finished_ = true;
  const RunStatus status = !any_epoch_ ? RunStatus::interrupted : stopped_early_ ? RunStatus::stopped_early : RunStatus::completed;
  if (recorder_) {
    recorder_->finish(status);
  } else if (writer()) {
    run_.record().status = status;
    run_.save_record();
  }
  lock_.reset();
}

}  // namespace hearth::embed
