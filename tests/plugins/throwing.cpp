// A C++ SDK plugin whose modules throw from every entry point they have.
#include <cairo.h>
#include <hearth/plugin.hpp>

namespace {

class AlwaysThrows : public hearth::Metric {
 public:
  explicit AlwaysThrows(const hearth::Params&) {}
  void update(const hearth::TensorList&, const hearth::TensorList&) override { throw std::runtime_error("update exploded"); }
  double compute() override { throw std::runtime_error("compute exploded"); }
  void reset() override { throw std::logic_error("reset exploded"); }
  bool higher_is_better() const override { throw std::runtime_error("higher_is_better exploded"); }
};

class ThrowsOnCreate : public hearth::Loss {
 public:
  explicit ThrowsOnCreate(const hearth::Params&) { throw std::runtime_error("constructor exploded"); }
  torch::Tensor forward(const hearth::TensorList&, const hearth::TensorList&) override { return {}; }
};

class ThrowingModel : public hearth::Model {
 public:
  explicit ThrowingModel(const hearth::Params&) {}
  hearth::TensorList forward(const hearth::TensorList&) override { throw 42; }  // not even a std::exception
};

/// A working linear model whose forward fails after `calls` calls: a plugin that breaks mid-run.
class FailsAfter : public hearth::Model {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::integer("calls", 10).min(0).doc("Forward calls that succeed"),
            hearth::Param::integer("in_features", 8).min(1).doc("Input width"),
            hearth::Param::integer("out_features", 3).min(1).doc("Output width")};
  }
  explicit FailsAfter(const hearth::Params& p) : calls_(p.get<int64_t>("calls")) {
    linear_ = register_module("linear", torch::nn::Linear(p.get<int64_t>("in_features"), p.get<int64_t>("out_features")));
  }
  hearth::TensorList forward(const hearth::TensorList& inputs) override {
    if (++count_ > calls_) throw std::runtime_error("planned failure at forward call " + std::to_string(count_));
    return {linear_->forward(inputs.at(0).flatten(1))};
  }

 private:
  int64_t calls_;
  int64_t count_ = 0;
  torch::nn::Linear linear_{nullptr};
};

/// A diagnostic that works (a scalar, a picture) until epoch `at`, then throws.
class ThrowsAt : public hearth::Diagnostic {
 public:
  static hearth::Schema schema() { return {hearth::Param::integer("at", 4).min(1).doc("First epoch it throws at")}; }
  explicit ThrowsAt(const hearth::Params& p) : at_(p.get<int64_t>("at")) {}
  void run(const hearth::DiagnosticInput& in) override {
    if (in.epoch() >= at_) throw std::runtime_error("planned diagnostic failure at epoch " + std::to_string(in.epoch()));
    in.scalar("samples", static_cast<double>(in.samples().at(0).size(0)));
  }
  bool draw(cairo_t* cr, int, int, const hearth::DiagnosticInput&) override {
    cairo_set_source_rgb(cr, 0.9, 0.2, 0.1);
    cairo_paint(cr);
    return true;
  }

 private:
  int64_t at_;
};

/// A diagnostic that does what a careless one might: backward() into the parameters' gradients
/// and draws from the global random generator. The host must undo both.
class Meddler : public hearth::Diagnostic {
 public:
  explicit Meddler(const hearth::Params&) {}
  void run(const hearth::DiagnosticInput& in) override {
    hearth::TensorList out = in.forward(in.inputs());
    out.at(0).sum().backward();
    in.scalar("noise", torch::rand({1}).item<double>());
  }
};

}  // namespace

HEARTH_REGISTER(ThrowsAt, "throws_at", "A diagnostic that throws from some epoch on", "For tests.")
HEARTH_REGISTER(Meddler, "meddler", "A diagnostic that touches gradients and the random generator", "For tests.")
HEARTH_REGISTER(FailsAfter, "fails_after", "A model whose forward fails after some calls", "For tests.")
HEARTH_REGISTER(AlwaysThrows, "always_throws", "A metric that throws everywhere", "For tests.")
HEARTH_REGISTER(ThrowsOnCreate, "throws_on_create", "A loss whose constructor throws", "For tests.")
HEARTH_REGISTER(ThrowingModel, "throwing_model", "A model whose forward throws an int", "For tests.")
HEARTH_PACK("throwing_pack", "0.0.1")
