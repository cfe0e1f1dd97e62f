// A C++ SDK plugin whose modules throw from every entry point they have.
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

}  // namespace

HEARTH_REGISTER(AlwaysThrows, "always_throws", "A metric that throws everywhere", "For tests.")
HEARTH_REGISTER(ThrowsOnCreate, "throws_on_create", "A loss whose constructor throws", "For tests.")
HEARTH_REGISTER(ThrowingModel, "throwing_model", "A model whose forward throws an int", "For tests.")
HEARTH_PACK("throwing_pack", "0.0.1")
