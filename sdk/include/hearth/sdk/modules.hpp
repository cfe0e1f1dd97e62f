// Base classes of the module categories. Authors derive from one, give it a constructor
// taking `const hearth::Params&` and, optionally, a static `hearth::Schema schema()`.
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hearth/abi.h"
#include "hearth/sdk/host.hpp"

namespace hearth {

enum class Split { train = HEARTH_SPLIT_TRAIN, valid = HEARTH_SPLIT_VALID, test = HEARTH_SPLIT_TEST };

/// Name and role of one tensor of a sample.
struct TensorSpec {
  std::string name;
  hearth_role role = HEARTH_ROLE_INPUT;
};

/// A dataset: samples are lists of tensors in the order of tensors().
class Dataset {
 public:
  static constexpr hearth_category category = HEARTH_CATEGORY_DATASET;
  virtual ~Dataset() = default;
  /// Samples in a split; 0 when the dataset has none there.
  virtual int64_t size(Split split) = 0;
  /// The tensors of one sample.
  virtual TensorList get(Split split, int64_t index) = 0;
  /// Optional batch fetch: tensors with a leading batch dimension, or nullopt to let the host
  /// fetch sample by sample.
  virtual std::optional<TensorList> get_batch(Split, const std::vector<int64_t>&) { return std::nullopt; }
  /// Names and roles of the sample's tensors; asked once, after construction.
  virtual std::vector<TensorSpec> tensors() const = 0;
  /// Class names for classification data; asked once, after construction.
  virtual std::vector<std::string> classes() const { return {}; }
};

/// What an analyzer is told before its pass.
struct SampleInfo {
  std::vector<std::string> tensor_names;
  std::vector<hearth_role> roles;
  std::vector<std::string> class_names;
};

/// An analyzer: sees every sample once, then reports.
class Analyzer {
 public:
  static constexpr hearth_category category = HEARTH_CATEGORY_ANALYZER;
  virtual ~Analyzer() = default;
  virtual void start(const SampleInfo&) {}
  virtual void take(const TensorList& sample) = 0;
  virtual void finish() {}
  /// Class weights as a 1-D float tensor, or an undefined tensor when the analyzer has none.
  virtual Tensor class_weights() { return {}; }
  /// Draw the report on a width x height context owned by the host.
  virtual void report(cairo_t* cr, int width, int height) = 0;
  /// Key/value lines describing the data.
  virtual std::vector<std::pair<std::string, std::string>> summary() { return {}; }
};

/// A loss: a 0-dim tensor from model outputs and targets, differentiable through the outputs.
class Loss {
 public:
  static constexpr hearth_category category = HEARTH_CATEGORY_LOSS;
  virtual ~Loss() = default;
  virtual Tensor forward(const TensorList& outputs, const TensorList& targets) = 0;
};

/// A metric: accumulates over batches (never part of the autograd graph).
class Metric {
 public:
  static constexpr hearth_category category = HEARTH_CATEGORY_METRIC;
  virtual ~Metric() = default;
  virtual void update(const TensorList& outputs, const TensorList& targets) = 0;
  virtual double compute() = 0;
  virtual void reset() = 0;
  virtual bool higher_is_better() const { return true; }
};

/// A model: an ordinary torch::nn::Module with a list-to-list forward. Register submodules and
/// parameters as usual; the SDK saves, loads and moves them.
class Model : public torch::nn::Module {
 public:
  static constexpr hearth_category category = HEARTH_CATEGORY_MODEL;
  virtual TensorList forward(const TensorList& inputs) = 0;
  /// Every parameter and buffer under its PyTorch state_dict name, sharing storage with the model
  /// (exports read them; a run started from saved weights copies into them). The default walks the
  /// registered submodules, parameters and buffers, which is what PyTorch names too.
  virtual std::vector<std::pair<std::string, Tensor>> state_dict() {
    std::vector<std::pair<std::string, Tensor>> out;
    for (const auto& item : named_parameters(/*recurse=*/true)) out.emplace_back(item.key(), item.value());
    for (const auto& item : named_buffers(/*recurse=*/true)) out.emplace_back(item.key(), item.value());
    return out;
  }
  /// False when forward branches or loops on tensor values: a trace records one path only, so the
  /// host refuses to export it as a trace.
  virtual bool traceable() const { return true; }
  /// A model that is TorchScript already writes itself to `out` and returns true: it is exported
  /// as it is rather than traced.
  virtual bool save_script(std::ostream& out) {
    (void)out;
    return false;
  }

  /// The intermediate tensors forward() hands out through tap(), as (name, what it is): a
  /// diagnostic asks for them by name ([[diagnostics]] layer = "hidden1"). LibTorch's C++ modules
  /// have no forward hooks, so a model names its own points.
  virtual std::vector<std::pair<std::string, std::string>> taps() const { return {}; }

  /// forward(), keeping the tensors at the tap points `names`, in that order, in `tapped`.
  TensorList forward_tapped(const TensorList& inputs, const std::vector<std::string>& names, TensorList& tapped) {
    std::vector<std::pair<std::string, std::string>> known = taps();
    std::vector<std::pair<std::string, Tensor>> wanted;
    for (const std::string& n : names) {
      bool found = false;
      for (const auto& k : known) found = found || k.first == n;
      if (!found) throw std::invalid_argument("no tap point '" + n + "'; this model's are: " + tap_list(known));
      wanted.emplace_back(n, Tensor());
    }
    tapping_ = &wanted;
    TensorList out;
    try {
      out = forward(inputs);
    } catch (...) {
      tapping_ = nullptr;
      throw;
    }
    tapping_ = nullptr;
    tapped.clear();
    for (auto& [name, t] : wanted) {
      if (!t.defined()) throw std::invalid_argument("forward did not reach tap point '" + name + "'");
      tapped.push_back(t);
    }
    return out;
  }

 protected:
  /// Call in forward() on an intermediate tensor: returns it unchanged, and hands it out when a
  /// diagnostic asked for `name` (one of taps()).
  const Tensor& tap(const std::string& name, const Tensor& x) {
    if (tapping_ != nullptr)
      for (auto& w : *tapping_)
        if (w.first == name) w.second = x;
    return x;
  }

 private:
  static std::string tap_list(const std::vector<std::pair<std::string, std::string>>& known) {
    std::string all;
    for (const auto& k : known) all += (all.empty() ? "" : ", ") + k.first;
    return all.empty() ? "none (it calls no tap())" : all;
  }
  std::vector<std::pair<std::string, Tensor>>* tapping_ = nullptr;
};

/// An optimizer over the parameters it is bound to.
class Optimizer {
 public:
  static constexpr hearth_category category = HEARTH_CATEGORY_OPTIMIZER;
  virtual ~Optimizer() = default;
  virtual void bind(const TensorList& parameters) = 0;
  virtual void step() = 0;
  virtual void zero_grad() = 0;
  virtual size_t group_count() const = 0;
  virtual double lr(size_t group) const = 0;
  virtual void set_lr(size_t group, double lr) = 0;
  virtual void save(torch::serialize::OutputArchive& archive) const = 0;
  virtual void load(torch::serialize::InputArchive& archive) = 0;
  /// Training (true) or evaluation (false), switched by the host with the model's mode.
  virtual void train(bool) {}
  /// The parameters of the last bind (set by the SDK): saved state loads onto their device.
  TensorList bound_parameters;
  /// Their names in the model's state ("transformer.wte.weight"), set by the SDK before bind()
  /// when the host gives them (plugin ABI 1.6); empty from an older host.
  std::vector<std::string> bound_names;
};

/// Base for optimizers that wrap a torch::optim class: derive, and build it in make().
template <class TorchOptimizer>
class TorchOptimizerModule : public Optimizer {
 public:
  void bind(const TensorList& parameters) override { optimizer_ = make(parameters); }
  void step() override { bound().step(); }
  void zero_grad() override { bound().zero_grad(); }
  size_t group_count() const override { return bound().param_groups().size(); }
  double lr(size_t group) const override { return bound().param_groups().at(group).options().get_lr(); }
  void set_lr(size_t group, double lr) override { bound().param_groups().at(group).options().set_lr(lr); }
  // LibTorch's Optimizer::load restores per-parameter state but not the groups' options, so a
  // scheduled learning rate would silently fall back to its initial value: keep the rates too.
  void save(torch::serialize::OutputArchive& archive) const override {
    bound().save(archive);
    std::vector<double> lrs;
    for (size_t g = 0; g < group_count(); ++g) lrs.push_back(lr(g));
    archive.write("hearth_lrs", torch::tensor(lrs, torch::kFloat64));
  }
  void load(torch::serialize::InputArchive& archive) override {
    bound().load(archive);
    torch::Tensor lrs;
    if (archive.try_read("hearth_lrs", lrs))
      for (int64_t g = 0; g < lrs.numel() && static_cast<size_t>(g) < group_count(); ++g)
        set_lr(static_cast<size_t>(g), lrs[g].item<double>());
  }

 protected:
  virtual std::unique_ptr<TorchOptimizer> make(const TensorList& parameters) = 0;

 private:
  TorchOptimizer& bound() const {
    if (!optimizer_) throw std::logic_error("optimizer used before bind()");
    return *optimizer_;
  }
  std::unique_ptr<TorchOptimizer> optimizer_;
};

/// A learning-rate scheduler. The host passes the optimizer's rates to start() and applies what
/// step() returns. Derive and implement rate(); the base keeps the state that resume needs.
class Scheduler {
 public:
  static constexpr hearth_category category = HEARTH_CATEGORY_SCHEDULER;
  virtual ~Scheduler() = default;
  virtual hearth_step_interval interval() const { return HEARTH_STEP_EPOCH; }
  virtual void start(const std::vector<double>& base_lrs) {
    base_lrs_ = base_lrs;
    lrs_ = base_lrs;
    steps_ = 0;
  }
  /// Advance one epoch or batch and return the new rate of every group.
  virtual std::vector<double> step(std::optional<double> monitored) {
    ++steps_;
    for (size_t g = 0; g < lrs_.size(); ++g) lrs_[g] = rate(g, base_lrs_[g], steps_, monitored);
    return lrs_;
  }
  const std::vector<double>& rates() const { return lrs_; }
  virtual void save(torch::serialize::OutputArchive& archive) const {
    archive.write("steps", torch::tensor(steps_, torch::kInt64));
    archive.write("lrs", torch::tensor(lrs_, torch::kFloat64));
    archive.write("base_lrs", torch::tensor(base_lrs_, torch::kFloat64));
  }
  virtual void load(torch::serialize::InputArchive& archive) {
    torch::Tensor steps, lrs, base;
    archive.read("steps", steps);
    archive.read("lrs", lrs);
    archive.read("base_lrs", base);
    steps_ = steps.item<int64_t>();
    lrs_.assign(lrs.data_ptr<double>(), lrs.data_ptr<double>() + lrs.numel());
    base_lrs_.assign(base.data_ptr<double>(), base.data_ptr<double>() + base.numel());
  }

 protected:
  /// Rate of `group` after `steps` steps.
  virtual double rate(size_t group, double base_lr, int64_t steps, std::optional<double> monitored) = 0;

  std::vector<double> base_lrs_;
  std::vector<double> lrs_;
  int64_t steps_ = 0;
};

/// What a renderer may look at besides the tensor it draws.
struct RenderContext {
  TensorList sample;
  std::vector<std::string> tensor_names;
  size_t tensor_index = 0;
  std::vector<std::string> class_names;
};

/// A renderer: draws one tensor on a host-owned Cairo context.
class Renderer {
 public:
  static constexpr hearth_category category = HEARTH_CATEGORY_RENDERER;
  virtual ~Renderer() = default;
  virtual void render(cairo_t* cr, int width, int height, const Tensor& tensor, const RenderContext& context) = 0;
};

/// What a diagnostic is handed at an epoch it runs: the fixed samples (batched) and the model,
/// through the host. Valid during Diagnostic::run only.
class DiagnosticInput {
 public:
  explicit DiagnosticInput(const hearth_diagnostic_input& in);
  /// The epoch just trained, from 1.
  int64_t epoch() const { return in_.epoch; }
  /// One tensor per sample tensor, the samples along the first dimension; the same samples at
  /// every epoch.
  const TensorList& samples() const { return samples_; }
  const std::vector<std::string>& tensor_names() const { return names_; }
  const std::vector<hearth_role>& roles() const { return roles_; }
  const std::vector<std::string>& class_names() const { return classes_; }
  /// The samples' input tensors, in order: what forward() takes.
  TensorList inputs() const;
  /// Index among samples() of the first target tensor, or -1 when there is none.
  int64_t target_index() const;
  /// The model in evaluation mode on `inputs`; autograd is on.
  TensorList forward(const TensorList& inputs) const;
  /// forward(), also handing out the tensors at the model's tap points `taps`, in that order.
  TensorList forward(const TensorList& inputs, const std::vector<std::string>& taps, TensorList& tapped) const;
  /// The model's trainable parameters by name; grad() is the job's loss's gradient on samples().
  /// Read only.
  std::vector<std::pair<std::string, Tensor>> parameters() const;
  /// Draws one sample's tensor as the job draws sample tensor `tensor_index` (tensor_names().size()
  /// + k: model output k).
  void render(cairo_t* cr, int width, int height, const Tensor& tensor, size_t tensor_index) const;
  /// Records a number of this epoch as "<diagnostic>.<name>".
  void scalar(const std::string& name, double value) const;
  /// Records values whose distribution TensorBoard shows.
  void histogram(const std::string& name, const Tensor& values) const;
  /// Keeps `tensor` beside this epoch's picture as epoch-NNN.<name>.npy.
  void save_tensor(const std::string& name, const Tensor& tensor) const;

 private:
  const hearth_diagnostic_input& in_;
  TensorList samples_;
  std::vector<std::string> names_, classes_;
  std::vector<hearth_role> roles_;
};

/// A diagnostic: every few epochs, after the checkpoint, looks at the model on fixed samples and
/// draws a picture or records numbers. It must not change the model or draw training randomness.
class Diagnostic {
 public:
  static constexpr hearth_category category = HEARTH_CATEGORY_DIAGNOSTIC;
  virtual ~Diagnostic() = default;
  /// The model tap points run() reads (checked against the model's before training).
  virtual std::vector<std::string> taps() const { return {}; }
  virtual void run(const DiagnosticInput& input) = 0;
  /// Draw what run() just found on a width x height context (`input` is run()'s, for drawing
  /// samples with input.render); false: this one draws nothing.
  virtual bool draw(cairo_t* cr, int width, int height, const DiagnosticInput& input) {
    (void)cr, (void)width, (void)height, (void)input;
    return false;
  }
};

}  // namespace hearth
