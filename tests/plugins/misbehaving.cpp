// C++ SDK modules that hand the host values no module should: a dataset reporting any size or
// short batches, a model returning nothing or detached outputs, a loss without gradient. For the host's checks at the
// module boundaries, which must name the module that produced the bad value.
#include <hearth/plugin.hpp>

namespace {

class Misreporting : public hearth::Dataset {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::integer("size", 16).doc("The train split's size, as reported (not checked here)"),
            hearth::Param::boolean("short_batches", false).doc("get_batch returns one sample fewer than asked"),
            hearth::Param::boolean("complex", false).doc("get_batch returns complex inputs")};
  }
  explicit Misreporting(const hearth::Params& p)
      : size_(p.get<int64_t>("size")), short_(p.get<bool>("short_batches")), complex_(p.get<bool>("complex")) {}
  int64_t size(hearth::Split split) override { return split == hearth::Split::train ? size_ : 0; }
  hearth::TensorList get(hearth::Split, int64_t index) override {
    return {torch::full({4}, static_cast<float>(index)), torch::tensor(index % 2)};
  }
  std::optional<hearth::TensorList> get_batch(hearth::Split, const std::vector<int64_t>& indices) override {
    const int64_t n = static_cast<int64_t>(indices.size()) - (short_ ? 1 : 0);
    return hearth::TensorList{torch::ones({n, 4}, complex_ ? torch::kComplexFloat : torch::kFloat), torch::zeros({n}, torch::kLong)};
  }
  std::vector<hearth::TensorSpec> tensors() const override {
    return {{"x", HEARTH_ROLE_INPUT}, {"y", HEARTH_ROLE_TARGET}};
  }

 private:
  int64_t size_;
  bool short_;
  bool complex_;
};

class MisbehavingModel : public hearth::Model {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::string("how", "detached").choices({"detached", "none", "wide", "second_wide"}).doc("What forward gets wrong")};
  }
  explicit MisbehavingModel(const hearth::Params& p) : how_(p.get<std::string>("how")) {
    linear_ = register_module("linear", torch::nn::Linear(4, 2));
  }
  hearth::TensorList forward(const hearth::TensorList& inputs) override {
    if (how_ == "none") return {};
    const torch::Tensor x = inputs.at(0).flatten(1);
    if (how_ == "wide") return {torch::cat({linear_->forward(x), linear_->forward(x)}, 0)};  // twice the batch
    if (how_ == "second_wide") return {linear_->forward(x), torch::cat({linear_->forward(x), linear_->forward(x)}, 0)};
    return {linear_->forward(x).detach()};
  }

 private:
  std::string how_;
  torch::nn::Linear linear_{nullptr};
};

class DetachedLoss : public hearth::Loss {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::string("how", "detached").choices({"detached", "integer"}).doc("How the value loses its gradient")};
  }
  explicit DetachedLoss(const hearth::Params& p) : integer_(p.get<std::string>("how") == "integer") {}
  torch::Tensor forward(const hearth::TensorList& outputs, const hearth::TensorList&) override {
    const torch::Tensor mean = outputs.at(0).mean();
    return integer_ ? mean.to(torch::kLong) : mean.detach();
  }

 private:
  bool integer_;
};

}  // namespace

HEARTH_REGISTER(DetachedLoss, "detached_loss", "A loss whose value has no gradient", "For tests.")
HEARTH_REGISTER(Misreporting, "misreporting", "A dataset that reports any size", "For tests.")
HEARTH_REGISTER(MisbehavingModel, "misbehaving_model", "A model whose outputs are wrong", "For tests.")
HEARTH_PACK("misbehaving_pack", "0.0.1")
