#include "engine/jobs/session.hpp"

#include <ATen/autocast_mode.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>
#include <mutex>

#include "engine/core/error.hpp"
#include "engine/core/torch_compat.hpp"
#include "engine/jobs/augment.hpp"
#include "engine/jobs/crash_handler.hpp"
#include "engine/jobs/epoch_tally.hpp"

namespace hearth {

std::string resolve_device(const std::string& requested, int local_rank) {
  if (requested.rfind("cuda", 0) == 0 && !torch::cuda::is_available())
    throw UsageError("[job] device = \"" + requested + "\" but LibTorch sees no CUDA device; use \"auto\" or \"cpu\"");
  const std::string device = requested == "auto" ? (torch::cuda::is_available() ? "cuda" : "cpu") : requested;
  // Ranks on one machine take its GPUs in turn, as torchrun's LOCAL_RANK convention has it.
  if (device == "cuda" && local_rank > 0)
    return "cuda:" + std::to_string(local_rank % static_cast<int>(torch::cuda::device_count()));
  return device;
}

std::atomic<bool>& interrupt_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

namespace {

/// bf16 autocast for the forward pass, where LibTorch offers it.
class AutocastScope {
 public:
  AutocastScope(bool on, const c10::Device& device) : on_(on), device_(device.type()) {
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

}  // namespace

Session::Session(const Job& job, const SessionOptions& options)
    : job_(job),
      device_name_(resolve_device(job.options.general.device, options.group ? options.group->world().local_rank : 0)),
      device_(device_name_),
      group_(options.group),
      train_batch_(options.train_batch) {
  int threads = job.options.general.threads;
  // Ranks on one machine share its cores, as torchrun's OMP_NUM_THREADS does.
  if (threads == 0 && group_ && group_->world().local_size > 1)
    threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / group_->world().local_size);
  if (threads > 0) at::set_num_threads(threads);
  // Model initialisation draws from the default generator: seeded first, in every command alike.
  torch::manual_seed(job.options.general.seed);
  open_modules(options);
}

Session::~Session() = default;

void Session::open_modules(const SessionOptions& options) {
  const bool write_reports = !options.analysis_dir.empty() && !job_.analyzers.empty();
  const bool analyze = options.modules && (write_reports || needs_analyzer_values(job_));
  if (options.data || analyze) {
    modules_.data = make_dataset(job_);
    plan_ = std::make_unique<SplitPlan>(make_split_plan(job_, *modules_.data));
  }
  if (!options.modules) return;
  // The analyze step comes first, in the natural order; its class weights may feed the modules.
  AnalyzerWeights weights;
  if (analyze) {
    AnalysisOptions analysis;
    analysis.out_dir = options.analysis_dir;
    weights = run_analysis(job_, job_.analyzers, *modules_.data, *plan_, analysis);
  }
  make_model_modules(modules_, job_, weights, device_name_);
}

DatasetModule& Session::data() {
  if (!modules_.data) throw Error("internal error: the session was opened without its dataset");
  return *modules_.data;
}

const SplitPlan& Session::plan() const {
  if (!plan_) throw Error("internal error: the session was opened without its dataset");
  return *plan_;
}

ModelModule& Session::model() {
  if (!modules_.model) throw Error("internal error: the session was opened without its model");
  return *modules_.model;
}

const IndexSet& Session::split(SplitName s, const std::string& hint) const {
  const IndexSet& ids = plan().indices(s);
  if (ids.empty()) {
    std::string advice = !hint.empty() ? hint : s == SplitName::valid ? " (set [dataset] valid_fraction, or use --split test)" : "";
    throw UsageError("the dataset of job " + job_.name() + " has no " + split_label(s) + " split" + advice);
  }
  return ids;
}

BatchLoader& Session::loader(SplitName s) {
  auto& slot = loaders_[s];
  if (!slot) {
    const DataOptions& d = options().data;
    bool shuffle = s == SplitName::train && d.shuffle;
    const int64_t batch = s == SplitName::train && train_batch_ > 0 ? train_batch_ : d.batch_size;
    slot = std::make_unique<BatchLoader>(data(), plan().source(s), split(s), batch, shuffle, options().general.seed,
                                         d.workers);
    // Each rank trains on its part of every global batch; valid and test are scored whole on
    // every rank, so the numbers are the split's, never a shard's.
    if (group_ && s == SplitName::train) slot->shard(group_->rank(), group_->size());
    slot->deliver_to(device_);
    slot->skip_bad_samples(d.skip_bad_samples);
    if (!d.transforms.empty())
      slot->transform_with(s == SplitName::train ? d.transforms : evaluation_steps(d.transforms), options().general.seed);
  }
  return *slot;
}

void Session::start_training() {
  optimizer_ = std::make_unique<OptimizerModule>(module_ref(job_.optimizer), job_.optimizer.params);
  parameters_ = model().parameters();
  optimizer_->bind(parameters_);
  if (job_.scheduler) {
    scheduler_ = std::make_unique<SchedulerModule>(module_ref(*job_.scheduler), job_.scheduler->params);
    scheduler_->start(optimizer_->lrs());
    // A schedule may begin below the base rate (warmup): the first batch must already see it.
    for (size_t g = 0; g < optimizer_->group_count(); ++g) optimizer_->set_lr(g, scheduler_->current_lr(g));
  }
  if (group_) {
    follow_rank0_model();
    buckets_ = std::make_unique<GradientBuckets>(*group_, parameters_, options().distributed.bucket_mb);
  }
}

void Session::follow_rank0_model() {
  if (!group_) return;
  // The model's state as bytes: it carries buffers, which the ABI does not list apart.
  std::string bytes = group_->rank() == 0 ? model().save_state() : std::string();
  at::Tensor size = at::full({1}, static_cast<int64_t>(bytes.size()), at::kLong);
  std::vector<at::Tensor> one{size};
  group_->broadcast(one, 0);
  at::Tensor data = at::empty({size.item<int64_t>()}, at::kByte);
  if (group_->rank() == 0) std::memcpy(data.data_ptr(), bytes.data(), bytes.size());
  one = {data};
  group_->broadcast(one, 0);
  if (group_->rank() != 0) model().load_state(std::string(static_cast<const char*>(data.data_ptr()), static_cast<size_t>(data.numel())));
}

Session::LossSync Session::start_loss_sync(double total, int64_t samples) {
  LossSync sync{total, samples, {}, nullptr};
  if (!group_) return sync;
  // One small all-reduce a step: the loss over all ranks, and the flags every rank must act on
  // together (a rank that skipped or stopped alone would leave the others waiting). It runs
  // while backward does.
  const bool finite = std::isfinite(total);
  sync.sums = at::tensor({finite ? total * static_cast<double>(samples) : 0.0, static_cast<double>(samples),
                          finite ? 0.0 : 1.0, interrupt_requested() ? 1.0 : 0.0},
                         at::kDouble);
  sync.work = group_->start_sum(sync.sums);
  return sync;
}

Session::StepLoss Session::finish_loss_sync(LossSync& sync) {
  if (!sync.work) return {sync.local_total, sync.local_samples, std::isfinite(sync.local_total), false};
  auto t0 = std::chrono::steady_clock::now();
  sync.work->wait();
  loss_sync_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto v = sync.sums.accessor<double, 1>();
  int64_t n = static_cast<int64_t>(v[1]);
  return {v[0] / static_cast<double>(std::max<int64_t>(n, 1)), n, v[2] == 0.0, v[3] > 0.0};
}

bool Session::step_limit_reached() const {
  return options().train.max_steps > 0 && step_ >= options().train.max_steps;
}

void Session::pass_over_empty_batch(int64_t epoch, int64_t done) const {
  // Alone, the batch is passed over; in a group every rank must take part in each step's collectives.
  if (group_)
    throw Error("every sample of train batch " + std::to_string(done + 1) + " of epoch " + std::to_string(epoch + 1) + " on rank " +
                std::to_string(group_->rank()) + " was bad; fix or remove them (see the log)");
}

TrainedEpoch Session::train_epoch(int64_t epoch, int64_t skip, Progress& progress) {
  const TrainOptions& t = options().train;
  const Augmentation& augmentation = options().data.augmentation;
  BatchLoader& batches = loader(SplitName::train);
  for (MetricSlot& metric : modules_.metrics) metric->reset();
  EpochTally tally(modules_.losses.size());
  TrainedEpoch result;
  result.batch_count = batches.batch_count();
  int64_t micro = 0;
  int64_t& done = result.batches_done;
  batches.start_epoch(epoch, skip);
  done = skip;
  progress.start_epoch(epoch, batches.batch_count(), skip);
  model().train(true);
  while (auto batch = batches.next()) {
    if (batch->size == 0) {
      pass_over_empty_batch(epoch, done);
      ++done;
      continue;
    }
    note_training_position(epoch + 1, done + 1, step_);
    if (group_) group_->set_activity("training", epoch + 1, done + 1);
    std::vector<at::Tensor> inputs = on_device(batch->inputs, device_name_), targets = on_device(batch->targets, device_name_);
    if (augmentation.any()) inputs = augment_batch(inputs, augmentation, options().general.seed, epoch, done);
    std::vector<at::Tensor> outputs;
    BatchLoss loss;
    {
      AutocastScope autocast(t.bf16, device_);
      outputs = forward_of(inputs);
      loss = losses_of(outputs, targets, true);
    }
    LossSync sync = start_loss_sync(loss.total.item<double>(), batch->size);
    const bool last_micro = micro + 1 == t.accumulate || done + 1 == batches.batch_count();
    const at::Tensor scaled = t.accumulate == 1 ? loss.total : loss.total / static_cast<double>(t.accumulate);
    // In a group, backward runs while the loss is being agreed on (a non-finite one then makes
    // every rank drop the gradients alike); alone, a non-finite loss is caught before backward.
    // Backward runs the model's autograd functions: a crash there is the model's.
    auto backward = [&] {
      PluginCallScope in_model(model().identity(), "backward");
      scaled.backward();
    };
    if (buckets_) {
      buckets_->arm(last_micro);
      backward();
      if (last_micro) buckets_->finish();
    }
    const StepLoss agreed = finish_loss_sync(sync);
    const double total = agreed.finite ? agreed.total : sync.local_total;
    if (!agreed.finite) {
      if (!t.skip_nan)
        throw Error("the loss is " +
                    std::string(std::isfinite(total) ? "not finite on another rank" : std::isnan(total) ? "NaN" : "infinite") +
                    " at epoch " +
                    std::to_string(epoch + 1) + ", train batch " + std::to_string(done + 1) + " (step " +
                    std::to_string(step_) +
                    "); lower the learning rate, clip gradients ([train] clip_norm) or set nan_policy = \"skip\"");
      ++skipped_steps_;
      optimizer_->zero_grad();
      micro = 0;
      ++done;
      continue;
    }
    if (!buckets_) backward();
    ++micro;
    if (last_micro) {
      if (t.clip_value > 0) torch::nn::utils::clip_grad_value_(parameters_, t.clip_value);
      if (t.clip_norm > 0) torch::nn::utils::clip_grad_norm_(parameters_, t.clip_norm);
      optimizer_->step();
      optimizer_->zero_grad();
      micro = 0;
      ++step_;
      if (scheduler_ && scheduler_->interval() == HEARTH_STEP_BATCH) scheduler_->step_and_apply(*optimizer_, std::nullopt);
    }
    update_metrics(modules_.metrics, outputs, targets);
    tally.add(loss, total, agreed.samples);
    ++done;
    progress.batch(batch->size, total);
    result.interrupted = group_ ? agreed.stop : interrupt_requested().load();
    if (result.interrupted || step_limit_reached()) break;
  }
  progress.end_epoch();
  result.row = tally.row("train", modules_.losses, modules_.metrics);
  result.data_wait_seconds = batches.wait_seconds();
  return result;
}

std::map<std::string, double> Session::evaluate(SplitName s) {
  BatchLoader& batches = loader(s);
  if (group_)
    group_->set_activity(s == SplitName::valid ? "scoring the valid split"
                         : s == SplitName::test ? "scoring the test split"
                                                : "scoring the train split");
  follow_rank0_model();
  torch::NoGradGuard no_grad;
  model().train(false);
  for (MetricSlot& metric : modules_.metrics) metric->reset();
  EpochTally tally(modules_.losses.size());
  batches.start_epoch(0);
  while (auto batch = batches.next()) {
    if (batch->size == 0) continue;  // every sample of it was bad and left out
    std::vector<at::Tensor> inputs = on_device(batch->inputs, device_name_), targets = on_device(batch->targets, device_name_);
    std::vector<at::Tensor> outputs = forward_of(inputs);
    BatchLoss loss = losses_of(outputs, targets, false);
    update_metrics(modules_.metrics, outputs, targets);
    tally.add(loss, loss.total.item<double>(), batch->size);
  }
  return tally.row(split_label(s), modules_.losses, modules_.metrics);
}

namespace {

/// "[32, 3] float, [32] long"
std::string shapes_text(const std::vector<at::Tensor>& tensors) {
  std::string out;
  for (const at::Tensor& t : tensors) {
    if (!out.empty()) out += ", ";
    if (!t.defined()) {
      out += "(undefined)";
      continue;
    }
    out += "[";
    for (int64_t d = 0; d < t.dim(); ++d) out += (d ? ", " : "") + std::to_string(t.size(d));
    out += "] " + std::string(c10::toString(t.scalar_type()));
  }
  return out.empty() ? "none" : out;
}

}  // namespace

std::vector<at::Tensor> Session::forward_of(const std::vector<at::Tensor>& inputs) {
  try {
    return model().forward(inputs);
  } catch (const PluginError& e) {
    throw PluginError(std::string(e.what()) + "\n  it was given the inputs of " + data().identity().text + ": " +
                      shapes_text(inputs));
  }
}

BatchLoss Session::losses_of(const std::vector<at::Tensor>& outputs, const std::vector<at::Tensor>& targets, bool training) {
  BatchLoss loss;
  try {
    loss = compute_losses(modules_.losses, outputs, targets);
  } catch (const PluginError& e) {
    throw PluginError(std::string(e.what()) + "\n  it was given the outputs of " + model().identity().text + ": " +
                      shapes_text(outputs) + "\n  and the targets of " + data().identity().text + ": " + shapes_text(targets));
  }
  if (training && !loss.total.requires_grad()) {
    bool any = false;
    for (const at::Tensor& o : outputs) any |= o.defined() && o.requires_grad();
    if (!any)
      throw PluginError(model().identity().text + ": forward returned outputs that do not require grad (detached, made "
                        "under no_grad, or from .data), so training cannot reach the model's parameters");
    throw PluginError("the job's losses returned a total that does not require grad: a loss must compute from the "
                      "model's outputs without detaching them (losses: " + std::to_string(modules_.losses.size()) + ")");
  }
  return loss;
}

std::vector<at::Tensor> Session::predict(const std::vector<at::Tensor>& inputs) {
  torch::NoGradGuard no_grad;
  model().train(false);
  return model().forward(on_device(inputs, device_name_));
}

double Session::take_sync_wait_seconds() {
  double s = loss_sync_seconds_ + (buckets_ ? buckets_->take_wait_seconds() : 0);
  loss_sync_seconds_ = 0;
  return s;
}

CheckpointState Session::save_state() const {
  CheckpointState state;
  state.model = modules_.model->save_state();
  state.optimizer = optimizer_ ? optimizer_->save_state() : std::string();
  state.scheduler = scheduler_ ? scheduler_->save_state() : std::string();
  state.step = step_;
  state.skipped_steps = skipped_steps_;
  state.rng = at::detail::getDefaultCPUGenerator().get_state();
  if (device_.is_cuda()) state.device_rng = at::globalContext().defaultGenerator(device_).get_state();
  return state;
}

void Session::restore_state(const CheckpointState& state) {
  model().load_state(state.model);
  if (optimizer_) optimizer_->load_state(state.optimizer);
  if (scheduler_ && !state.scheduler.empty()) scheduler_->load_state(state.scheduler);
  step_ = state.step;
  skipped_steps_ = state.skipped_steps;
  if (state.rng.defined() && state.rng.numel() > 0) {
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state.rng);
  }
  // On CUDA, dropout and other device-side randomness draw from the device's own generator.
  if (device_.is_cuda() && state.device_rng.defined() && state.device_rng.numel() > 0) {
    at::Generator gen = at::globalContext().defaultGenerator(device_);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state.device_rng);
  }
}

void Session::restore_model(const CheckpointState& state) {
  model().load_state(state.model);
  model().train(false);
}

}  // namespace hearth
