#include "engine/jobs/session.hpp"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>
#include <mutex>

#include "engine/core/cpu_affinity.hpp"
#include "engine/core/error.hpp"
#include "engine/jobs/dataset_bindings.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/jobs/epoch_tally.hpp"
#include "engine/training/blamed_calls.hpp"

namespace hearth {
namespace {

/// The intra-op threads for [job] threads = `requested` (0: automatic) in a process that is one of
/// `local_size` ranks on this machine. Ranks share the machine's CPUs, as torchrun's
/// OMP_NUM_THREADS does; a rank the launcher bound to some CPUs gets as many threads as it has.
/// More threads than CPUs is kept, as asked, but said: they would take turns on the same cores.
int threads_to_use(int requested, int local_size) {
  const int machine = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const std::vector<int> allowed = allowed_cpus();
  const bool bound = !allowed.empty() && static_cast<int>(allowed.size()) < machine;
  const int cpus = bound ? static_cast<int>(allowed.size()) : machine;
  if (requested == 0) return local_size > 1 ? (bound ? cpus : std::max(1, machine / local_size)) : 0;
  if (requested > cpus)
    spdlog::warn("[job] threads = {}, but this process may run on {} CPU{} ({}{}): its threads would take turns on them; "
                 "set threads = 0 to use what it has{}",
                 requested, cpus, cpus == 1 ? "" : "s", bound ? "bound to " + cpu_ranges(allowed) : "the machine's",
                 local_size > 1 ? ", shared by " + std::to_string(local_size) + " ranks" : "",
                 local_size > 1 ? ", or start fewer ranks" : "");
  return requested;
}

/// Why a job without [dataset] (an embedded session's, whose program gave the data) cannot be
/// opened with its data, and what can be done with its run instead.
std::string program_data_text(const Job& job) {
  return printable(job.file.string()) + " has no [dataset]: the run's data came from the program that trained it through "
         "hearth/embed.h, and Hearth has none to read. Continue or score it from that program (hearth_embed_params.resume, "
         "hearth_embed_eval_step); `hearth export` (with the inputs the program kept), `hearth runs` and `hearth plot` work on it";
}

}  // namespace

std::string resolve_device(const DeviceRequest& requested, int local_rank) {
  using Kind = DeviceRequest::Kind;
  if (requested.kind == Kind::cpu) return "cpu";
  const bool cuda = torch::cuda::is_available();
  if (requested.kind == Kind::cuda && !cuda)
    throw UsageError("[job] device = \"" + requested.text() + "\" but LibTorch sees no CUDA device; use \"auto\" or \"cpu\"");
  if (!cuda) return "cpu";
  if (requested.index >= 0) {
    const int64_t count = torch::cuda::device_count();
    if (requested.index >= count)
      throw UsageError("[job] device = \"" + requested.text() + "\" but LibTorch sees " + std::to_string(count) +
                       " CUDA device(s), numbered from 0");
    return requested.text();
  }
  // Ranks on one machine take its GPUs in turn, as torchrun's LOCAL_RANK convention has it.
  if (local_rank > 0) return "cuda:" + std::to_string(local_rank % static_cast<int>(torch::cuda::device_count()));
  return "cuda";
}

Session::Session(const Job& job, const SessionOptions& options)
    : job_(job),
      parallel_(make_parallel_strategy(options.group)),
      device_name_(resolve_device(job.options.general.device, parallel_->local_rank())),
      device_(device_name_),
      train_batch_(options.train_batch) {
  if (const int threads = threads_to_use(job.options.general.threads, parallel_->local_size()); threads > 0)
    at::set_num_threads(threads);
  // Model initialisation draws from the default generator: seeded first, in every command alike.
  torch::manual_seed(job.options.general.seed);
  open_modules(options);
}

Session::~Session() = default;

void Session::open_modules(const SessionOptions& options) {
  const bool write_reports = !options.analysis_dir.empty() && !job_.analyzers.empty();
  const bool analyze = options.modules && (write_reports || needs_analyzer_values(job_));
  if (options.data || analyze || (options.modules && needs_dataset_values(job_))) {
    if (!job_.dataset.entry) throw UsageError(program_data_text(job_));
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
    if (s == SplitName::train) parallel_->shard(*slot);
    slot->deliver_to(device_);
    slot->skip_bad_samples(d.skip_bad_samples);
    if (!d.transforms.empty())
      slot->transform_with(s == SplitName::train ? d.transforms : evaluation_steps(d.transforms), options().general.seed);
  }
  return *slot;
}

void Session::start_training() {
  optimizer_ = std::make_unique<OptimizerModule>(module_ref(job_.optimizer), job_.optimizer.params);
  std::vector<std::string> names;
  parameters_.clear();
  for (auto& [name, tensor] : model().named_parameters()) {
    names.push_back(name);
    parameters_.push_back(tensor);
  }
  optimizer_->bind(parameters_, names);
  if (job_.scheduler) {
    scheduler_ = std::make_unique<SchedulerModule>(module_ref(*job_.scheduler), job_.scheduler->params);
    scheduler_->start(optimizer_->lrs());
    // A schedule may begin below the base rate (warmup): the first batch must already see it.
    for (size_t g = 0; g < optimizer_->group_count(); ++g) optimizer_->set_lr(g, scheduler_->current_lr(g));
  }
  parallel_->start(parameters_, options().distributed.bucket_mb);
  follow_rank0_model();
  // After rank 0's model reached every rank: every rank averages the same weights alike.
  if (options().train.ema > 0)
    average_ = std::make_unique<WeightAverage>(model(), options().train.ema, options().train.ema_start);
}

bool Session::step_limit_reached() const {
  return options().train.max_steps > 0 && counters_.step >= options().train.max_steps;
}

std::map<std::string, double> Session::evaluate(SplitName s) {
  BatchLoader& batches = loader(s);
  parallel_->set_activity(s == SplitName::valid ? "scoring the valid split"
                          : s == SplitName::test ? "scoring the test split"
                                                 : "scoring the train split");
  torch::NoGradGuard no_grad;
  model().train(false);
  for (MetricSlot& metric : modules_.metrics) metric->reset();
  EpochTally tally(modules_.losses.size());
  batches.start_epoch(0);
  while (auto batch = batches.next()) {
    if (batch->size == 0) continue;  // every sample of it was bad and left out
    std::vector<at::Tensor> inputs = on_device(batch->inputs, device_name_), targets = on_device(batch->targets, device_name_);
    std::vector<at::Tensor> outputs = forward_blamed(modules_, inputs);
    BatchLoss loss = losses_blamed(modules_, outputs, targets, false);
    metrics_blamed(modules_, outputs, targets);
    tally.add(loss, loss.total.item<double>(), batch->size);
  }
  return tally.row(split_label(s), modules_.losses, modules_.metrics);
}

std::vector<at::Tensor> Session::predict(const std::vector<at::Tensor>& inputs) {
  torch::NoGradGuard no_grad;
  model().train(false);
  return model().forward(on_device(inputs, device_name_));
}

CheckpointState Session::save_state() const {
  CheckpointState state;
  state.model = modules_.model->save_state();
  if (average_) {
    // One of the two is in the model now; the other comes in for a moment.
    average_->swap();
    std::string other = modules_.model->save_state();
    average_->swap();
    if (average_->in_model()) {
      state.training_model = std::move(other);
    } else {
      state.training_model = std::move(state.model);
      state.model = std::move(other);
    }
  }
  state.optimizer = optimizer_ ? optimizer_->save_state() : std::string();
  state.scheduler = scheduler_ ? scheduler_->save_state() : std::string();
  state.step = counters_.step;
  state.skipped_steps = counters_.skipped;
  state.rng = at::detail::getDefaultCPUGenerator().get_state();
  if (device_.is_cuda()) state.device_rng = at::globalContext().defaultGenerator(device_).get_state();
  return state;
}

void Session::restore_state(const CheckpointState& state) {
  if (!state.training_model.empty()) {
    if (average_) {
      model().load_state(state.model);
      average_->take_from_model();
    }
    model().load_state(state.training_model);  // averaging turned off: training goes on from the weights
  } else {
    model().load_state(state.model);
    if (average_) average_->take_from_model();  // averaging turned on: it starts from the weights
  }
  if (optimizer_) optimizer_->load_state(state.optimizer);
  if (scheduler_ && !state.scheduler.empty()) scheduler_->load_state(state.scheduler);
  counters_.step = state.step;
  counters_.skipped = state.skipped_steps;
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
