// `random`: seeded random samples with a learnable target, for tests and smoke jobs.
#include <hearth/plugin.hpp>

namespace {

class RandomDataset : public hearth::Dataset {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::integer("train_samples", 256).min(0).doc("Samples in the train split"),
        hearth::Param::integer("valid_samples", 64).min(0).doc("Samples in the valid split"),
        hearth::Param::integer("test_samples", 64).min(0).doc("Samples in the test split"),
        hearth::Param::integers("input_shape", {4}).min(1).doc("Shape of one input sample"),
        hearth::Param::integer("classes", 3).range(0, 100000).doc(
            "Number of classes of the target (an int64 index); 0 makes a float regression target"),
        hearth::Param::integer("seed", 0).doc("Seed: the same seed gives the same samples"),
    };
  }

  explicit RandomDataset(const hearth::Params& p)
      : sizes_{p.get<int64_t>("train_samples"), p.get<int64_t>("valid_samples"), p.get<int64_t>("test_samples")},
        shape_(p.get<std::vector<int64_t>>("input_shape")),
        classes_(p.get<int64_t>("classes")),
        seed_(p.get<int64_t>("seed")) {
    if (shape_.empty()) throw std::invalid_argument("input_shape must have at least one dimension");
    int64_t features = 1;
    for (int64_t d : shape_) features *= d;
    // The target is a fixed random projection of the input, so a model can learn it.
    auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed_) ^ 0x9e3779b97f4a7c15ULL);
    projection_ = at::normal(0.0, 1.0, {features, std::max<int64_t>(classes_, 1)}, gen);
  }

  int64_t size(hearth::Split split) override { return sizes_[static_cast<int>(split)]; }

  hearth::TensorList get(hearth::Split split, int64_t index) override {
    int64_t n = size(split);
    if (index < 0 || index >= n)
      throw std::out_of_range("sample " + std::to_string(index) + " is outside the split's " + std::to_string(n) + " samples");
    uint64_t key = static_cast<uint64_t>(seed_) * 1000003ULL + static_cast<uint64_t>(split) * 1000000007ULL +
                   static_cast<uint64_t>(index);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(key);
    torch::Tensor input = at::normal(0.0, 1.0, shape_, gen);
    torch::Tensor score = input.reshape({1, -1}).matmul(projection_).squeeze(0);
    torch::Tensor target = classes_ > 0 ? score.argmax().to(torch::kInt64) : score;
    return {input, target};
  }

  std::optional<hearth::TensorList> get_batch(hearth::Split split, const std::vector<int64_t>& indices) override {
    std::vector<torch::Tensor> inputs, targets;
    for (int64_t i : indices) {
      auto sample = get(split, i);
      inputs.push_back(sample[0]);
      targets.push_back(sample[1]);
    }
    return hearth::TensorList{torch::stack(inputs), torch::stack(targets)};
  }

  std::vector<hearth::TensorSpec> tensors() const override {
    return {{"input", HEARTH_ROLE_INPUT}, {"target", HEARTH_ROLE_TARGET}};
  }

  std::vector<std::string> classes() const override {
    std::vector<std::string> names;
    for (int64_t c = 0; c < classes_; ++c) names.push_back("class_" + std::to_string(c));
    return names;
  }

 private:
  int64_t sizes_[3];
  std::vector<int64_t> shape_;
  int64_t classes_;
  int64_t seed_;
  torch::Tensor projection_;
};

}  // namespace

HEARTH_REGISTER(RandomDataset, "random", "Seeded random samples with a learnable target",
                "Inputs are drawn from N(0, 1) with the given shape, per sample from its own seeded\n"
                "generator, so any sample can be fetched alone and the same seed always gives the same data.\n"
                "The target is a fixed random projection of the input: its argmax as a class index, or the\n"
                "projection itself when classes = 0 (regression).")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
