// Every built-in module through the ABI, with inputs whose right answer is known.
#include <cairo.h>
#include "unit/catch.hpp"
#include <torch/csrc/jit/passes/tensorexpr_fuser.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <fstream>
#include <numeric>

#include <sys/stat.h>

#include "engine/params/param_resolver.hpp"
#include "engine/runtime/modules/dataset_module.hpp"
#include "engine/runtime/modules/loss_module.hpp"
#include "engine/runtime/modules/metric_module.hpp"
#include "engine/runtime/modules/model_module.hpp"
#include "engine/runtime/modules/optimizer_module.hpp"
#include "engine/runtime/modules/scheduler_module.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const PluginRegistry& builtins() {
  static TempDir cache;
  static PluginRegistry reg = PluginRegistry::discover(isolated_discovery(cache.path(), {}));
  return reg;
}

template <class Module>
std::unique_ptr<Module> make(hearth_category cat, const std::string& name, const std::string& toml = "") {
  const ModuleEntry& e = builtins().find(cat, name);
  ModuleRef ref = load_module(e.file, cat, name);
  toml::table t = toml::parse(toml);
  return std::make_unique<Module>(ref, resolve_params(*ref.info, &t, ParamSource{"<test>", name, {}}));
}

double loss_of(const std::string& name, const at::Tensor& out, const at::Tensor& target, const std::string& toml = "") {
  return make<LossModule>(HEARTH_CATEGORY_LOSS, name, toml)->forward({out}, {target}).item<double>();
}

double metric_of(const std::string& name, const at::Tensor& out, const at::Tensor& target, const std::string& toml = "") {
  auto m = make<MetricModule>(HEARTH_CATEGORY_METRIC, name, toml);
  m->update({out}, {target});
  return m->compute();
}

std::vector<double> schedule(const std::string& name, const std::string& toml, int steps, std::vector<double> monitored = {}) {
  auto s = make<SchedulerModule>(HEARTH_CATEGORY_SCHEDULER, name, toml);
  s->start({1.0});
  std::vector<double> lrs = {s->current_lr(0)};
  for (int i = 0; i < steps; ++i)
    lrs.push_back(s->step(i < static_cast<int>(monitored.size()) ? std::optional<double>(monitored[i]) : std::nullopt, 1)[0]);
  return lrs;
}

void write_npy(const fs::path& p, const std::string& descr, const std::string& shape, const void* data, size_t bytes) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  header.append(64 - (10 + header.size() + 1) % 64, ' ');
  header += '\n';
  std::ofstream out(p, std::ios::binary);
  out << "\x93NUMPY" << '\x01' << '\x00';
  out.put(static_cast<char>(header.size() & 0xff)).put(static_cast<char>(header.size() >> 8));
  out << header;
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
}

}  // namespace

TEST_CASE("idx reads the real Fashion-MNIST files", "[builtins][datasets]") {
  auto d = make<DatasetModule>(HEARTH_CATEGORY_DATASET, "idx");
  CHECK(d->size(HEARTH_SPLIT_TRAIN) == 60000);
  CHECK(d->size(HEARTH_SPLIT_TEST) == 10000);
  CHECK(d->class_names().size() == 10);
  CHECK(d->class_names()[9] == "Ankle boot");
  auto batch = d->get_batch(HEARTH_SPLIT_TEST, {0, 1, 2});
  REQUIRE(batch.has_value());
  CHECK((*batch)[0].sizes() == torch::IntArrayRef({3, 1, 28, 28}));
  CHECK((*batch)[1].scalar_type() == at::kLong);
  CHECK((*batch)[1][0].item<int64_t>() == 9);  // the first test image of Fashion-MNIST is an ankle boot
}

TEST_CASE("csv turns feature columns into inputs and text targets into classes", "[builtins][datasets]") {
  TempDir dir;
  std::ofstream(dir / "iris.csv") << "a,b,species\n1.0,2.5,setosa\n3,4,virginica\n5,6,setosa\n";
  auto d = make<DatasetModule>(HEARTH_CATEGORY_DATASET, "csv", "file = '" + (dir / "iris.csv").string() + "'");
  CHECK(d->size(HEARTH_SPLIT_TRAIN) == 3);
  CHECK(d->class_names() == std::vector<std::string>{"setosa", "virginica"});
  auto s = d->get(HEARTH_SPLIT_TRAIN, 1);
  CHECK(torch::equal(s[0], torch::tensor({3.0f, 4.0f})));
  CHECK(s[1].item<int64_t>() == 1);

  std::ofstream(dir / "bad.csv") << "a,y\n1,2\nx,3\n";
  CHECK_THROWS_WITH(make<DatasetModule>(HEARTH_CATEGORY_DATASET, "csv", "file = '" + (dir / "bad.csv").string() + "'"),
                    ContainsSubstring("bad.csv:3: column 'a' holds 'x', not a number"));
}

TEST_CASE("npy reads arrays and refuses truncated ones", "[builtins][datasets]") {
  TempDir dir;
  float x[6] = {1, 2, 3, 4, 5, 6};
  int64_t y[3] = {0, 1, 0};
  write_npy(dir / "x.npy", "<f4", "(3, 2)", x, sizeof x);
  write_npy(dir / "y.npy", "<i8", "(3,)", y, sizeof y);
  auto d = make<DatasetModule>(HEARTH_CATEGORY_DATASET, "npy",
                               "file = '" + (dir / "x.npy").string() + "'\ntargets = '" + (dir / "y.npy").string() + "'");
  CHECK(d->size(HEARTH_SPLIT_TRAIN) == 3);
  CHECK(torch::equal(d->get(HEARTH_SPLIT_TRAIN, 2)[0], torch::tensor({5.0f, 6.0f})));
  write_npy(dir / "short.npy", "<f4", "(3, 2)", x, 8);
  CHECK_THROWS_WITH(make<DatasetModule>(HEARTH_CATEGORY_DATASET, "npy",
                                        "file = '" + (dir / "short.npy").string() + "'\ntargets = '" + (dir / "y.npy").string() + "'"),
                    ContainsSubstring("is truncated"));
}

namespace {

/// Whether this process maps `file` (a line of /proc/self/maps names it).
bool mapped_here(const fs::path& file) {
  return read_text("/proc/self/maps").find(fs::canonical(file).string()) != std::string::npos;
}

void write_bytes(const fs::path& p, const void* data, size_t bytes) {
  std::ofstream(p, std::ios::binary).write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
}

}  // namespace

TEST_CASE("npy maps its files instead of reading them, and converts each batch as it leaves", "[builtins][datasets]") {
  TempDir dir;
  double x[6] = {1.5, 2, 3, 4, 5, 6.25};
  int32_t y[3] = {7, 8, 9};
  write_npy(dir / "x.npy", "<f8", "(3, 2)", x, sizeof x);
  write_npy(dir / "y.npy", "<i4", "(3,)", y, sizeof y);
  {
    auto d = make<DatasetModule>(HEARTH_CATEGORY_DATASET, "npy",
                                 "file = '" + (dir / "x.npy").string() + "'\ntargets = '" + (dir / "y.npy").string() + "'");
    CHECK(mapped_here(dir / "x.npy"));
    CHECK(mapped_here(dir / "y.npy"));
    auto batch = d->get_batch(HEARTH_SPLIT_TRAIN, {2, 0});
    REQUIRE(batch.has_value());
    CHECK((*batch)[0].scalar_type() == at::kFloat);
    CHECK(torch::equal((*batch)[0], torch::tensor({{5.0f, 6.25f}, {1.5f, 2.0f}})));
    CHECK((*batch)[1].scalar_type() == at::kLong);
    CHECK(torch::equal((*batch)[1], torch::tensor({9, 7}, torch::kLong)));
    auto one = d->get(HEARTH_SPLIT_TRAIN, 1);
    CHECK(one[0].scalar_type() == at::kFloat);
    one[0].add_(1);  // a sample is the caller's copy: writing to it must not touch the read-only mapping
    CHECK(d->get(HEARTH_SPLIT_TRAIN, 1)[0][0].item<float>() == 3.0f);
  }
  CHECK_FALSE(mapped_here(dir / "x.npy"));  // the mapping goes with the dataset

  SECTION("a shape whose byte count wraps around is refused, not believed") {
    write_npy(dir / "huge.npy", "<f8", "(461168601842738790, 64)", x, sizeof x);
    CHECK_THROWS_WITH(make<DatasetModule>(HEARTH_CATEGORY_DATASET, "npy",
                                          "file = '" + (dir / "huge.npy").string() + "'\ntargets = '" + (dir / "y.npy").string() + "'"),
                      ContainsSubstring("claims more bytes than any file holds"));
  }
  SECTION("a FIFO is refused at once instead of blocking") {
    REQUIRE(::mkfifo((dir / "fifo.npy").c_str(), 0600) == 0);
    CHECK_THROWS_WITH(make<DatasetModule>(HEARTH_CATEGORY_DATASET, "npy",
                                          "file = '" + (dir / "fifo.npy").string() + "'\ntargets = '" + (dir / "y.npy").string() + "'"),
                      ContainsSubstring("is not a regular file"));
  }
}

TEST_CASE("tokens serves windows of a mapped token file with next-token targets", "[builtins][datasets]") {
  TempDir dir;
  std::vector<uint16_t> train(21);
  std::iota(train.begin(), train.end(), uint16_t{100});
  write_bytes(dir / "train.bin", train.data(), train.size() * 2);
  std::vector<uint32_t> wide = {70000, 1, 2, 3, 4, 5};
  write_bytes(dir / "val.bin", wide.data(), wide.size() * 4);
  const std::string files = "file = '" + (dir / "train.bin").string() + "'\n";

  auto d = make<DatasetModule>(HEARTH_CATEGORY_DATASET, "tokens", files + "block_size = 4");
  CHECK(mapped_here(dir / "train.bin"));
  CHECK(d->size(HEARTH_SPLIT_TRAIN) == 5);  // windows start every 4 tokens and need 5
  CHECK(d->size(HEARTH_SPLIT_VALID) == 0);
  auto batch = d->get_batch(HEARTH_SPLIT_TRAIN, {2, 0});
  REQUIRE(batch.has_value());
  CHECK(torch::equal((*batch)[0], torch::tensor({{108, 109, 110, 111}, {100, 101, 102, 103}}, torch::kLong)));
  CHECK(torch::equal((*batch)[1], torch::tensor({{109, 110, 111, 112}, {101, 102, 103, 104}}, torch::kLong)));
  auto one = d->get(HEARTH_SPLIT_TRAIN, 4);
  CHECK(torch::equal(one[1], torch::tensor({117, 118, 119, 120}, torch::kLong)));

  auto every = make<DatasetModule>(HEARTH_CATEGORY_DATASET, "tokens", files + "block_size = 4\nstride = 1");
  CHECK(every->size(HEARTH_SPLIT_TRAIN) == 17);
  CHECK(torch::equal(every->get(HEARTH_SPLIT_TRAIN, 16)[0], torch::tensor({116, 117, 118, 119}, torch::kLong)));

  auto wide32 = make<DatasetModule>(HEARTH_CATEGORY_DATASET, "tokens",
                                    "file = '" + (dir / "val.bin").string() + "'\ndtype = 'uint32'\nblock_size = 2");
  CHECK(wide32->size(HEARTH_SPLIT_TRAIN) == 2);
  CHECK(torch::equal(wide32->get(HEARTH_SPLIT_TRAIN, 0)[0], torch::tensor({70000, 1}, torch::kLong)));

  SECTION("a token outside vocab_size is named with its position") {
    auto small = make<DatasetModule>(HEARTH_CATEGORY_DATASET, "tokens", files + "block_size = 4\nvocab_size = 110");
    CHECK_NOTHROW(small->get(HEARTH_SPLIT_TRAIN, 1));
    CHECK_THROWS_WITH(small->get(HEARTH_SPLIT_TRAIN, 2),
                      ContainsSubstring("train.bin: token 10 is 110, outside vocab_size 110"));
  }
  SECTION("files of the wrong size, too short a stream and a FIFO are clear errors") {
    write_bytes(dir / "odd.bin", "abc", 3);
    CHECK_THROWS_WITH(make<DatasetModule>(HEARTH_CATEGORY_DATASET, "tokens", "file = '" + (dir / "odd.bin").string() + "'"),
                      ContainsSubstring("not a whole number of 16-bit tokens; check `dtype`"));
    CHECK_THROWS_WITH(make<DatasetModule>(HEARTH_CATEGORY_DATASET, "tokens", files + "block_size = 30"),
                      ContainsSubstring("holds 21 tokens, fewer than block_size + 1 = 31"));
    CHECK_THROWS_WITH(make<DatasetModule>(HEARTH_CATEGORY_DATASET, "tokens",
                                          files + "block_size = 4\nvalid_file = '" + (dir / "odd.bin").string() + "'"),
                      ContainsSubstring("valid tokens"));
    REQUIRE(::mkfifo((dir / "fifo.bin").c_str(), 0600) == 0);
    CHECK_THROWS_WITH(make<DatasetModule>(HEARTH_CATEGORY_DATASET, "tokens", "file = '" + (dir / "fifo.bin").string() + "'"),
                      ContainsSubstring("is not a regular file"));
  }
}

TEST_CASE("image_folder reads one class per sub-folder and resizes", "[builtins][datasets]") {
  TempDir dir;
  for (const char* cls : {"cats", "dogs"}) {
    fs::create_directories(dir / cls);
    cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 10, 6);
    cairo_t* cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 0, 0);
    cairo_paint(cr);
    cairo_destroy(cr);
    cairo_surface_write_to_png(s, (dir / cls / "a.png").c_str());
    cairo_surface_destroy(s);
  }
  auto d = make<DatasetModule>(HEARTH_CATEGORY_DATASET, "image_folder",
                               "folder = '" + dir.path().string() + "'\nsize = 8\ngrayscale = true");
  CHECK(d->class_names() == std::vector<std::string>{"cats", "dogs"});
  auto s = d->get(HEARTH_SPLIT_TRAIN, 1);
  CHECK(s[0].sizes() == torch::IntArrayRef({1, 8, 8}));
  CHECK(s[0].mean().item<double>() == Approx(0.299).epsilon(0.01));
  CHECK(s[1].item<int64_t>() == 1);
  std::ofstream(dir / "dogs" / "broken.jpg") << "not a jpeg";
  auto d2 = make<DatasetModule>(HEARTH_CATEGORY_DATASET, "image_folder", "folder = '" + dir.path().string() + "'");
  CHECK_THROWS_WITH(d2->get(HEARTH_SPLIT_TRAIN, 2), ContainsSubstring("cannot read JPEG"));
}

TEST_CASE("losses compute the textbook values", "[builtins][losses]") {
  at::Tensor logits = torch::tensor({{2.0f, 0.0f, -1.0f}, {0.5f, 0.5f, 3.0f}});
  at::Tensor classes = torch::tensor({0, 2}, at::kLong);
  double expected = torch::nn::functional::cross_entropy(logits, classes).item<double>();
  CHECK(loss_of("cross_entropy", logits, classes) == Approx(expected));
  CHECK(loss_of("cross_entropy", logits.softmax(1), classes) == Approx(expected));      // probabilities detected
  CHECK(loss_of("cross_entropy", logits.log_softmax(1), classes) == Approx(expected));  // log-probabilities too
  CHECK(loss_of("nll", logits.log_softmax(1), classes) == Approx(expected));
  CHECK(loss_of("cross_entropy", logits, classes, "label_smoothing = 0.1") > expected);
  CHECK(loss_of("mae", torch::tensor({1.0f, 3.0f}), torch::tensor({2.0f, 1.0f})) == Approx(1.5));
  CHECK(loss_of("smooth_l1", torch::tensor({0.0f}), torch::tensor({0.5f})) == Approx(0.125));
  CHECK(loss_of("binary_cross_entropy", torch::tensor({0.0f}), torch::tensor({1.0f})) == Approx(std::log(2.0)));
  CHECK_THROWS_WITH(loss_of("binary_cross_entropy", torch::tensor({2.0f}), torch::tensor({1.0f}), "input = 'probabilities'"),
                    ContainsSubstring("needs outputs in [0, 1]"));
  at::Tensor w = torch::zeros({2, 3}, torch::requires_grad());
  make<LossModule>(HEARTH_CATEGORY_LOSS, "cross_entropy")->forward({w}, {classes}).backward();
  CHECK(w.grad().abs().sum().item<double>() > 0);
}

TEST_CASE("metrics compute the textbook values", "[builtins][metrics]") {
  // predictions 0, 1, 1, 2 against targets 0, 1, 2, 2
  at::Tensor scores = torch::eye(3).index_select(0, torch::tensor({0, 1, 1, 2}, at::kLong));
  at::Tensor target = torch::tensor({0, 1, 2, 2}, at::kLong);
  CHECK(metric_of("accuracy", scores, target) == Approx(0.75));
  CHECK(metric_of("precision", scores, target) == Approx((1.0 + 0.5 + 1.0) / 3));
  CHECK(metric_of("recall", scores, target) == Approx((1.0 + 1.0 + 0.5) / 3));
  CHECK(metric_of("precision", scores, target, "average = 'micro'") == Approx(0.75));
  CHECK(metric_of("f_score", scores, target) == Approx((1.0 + 2.0 / 3 + 2.0 / 3) / 3));
  CHECK(metric_of("top_k", torch::tensor({{0.1f, 0.5f, 0.4f}}), torch::tensor({2}, at::kLong), "k = 2") == 1.0);
  CHECK(metric_of("top_k", torch::tensor({{0.1f, 0.5f, 0.4f}}), torch::tensor({0}, at::kLong), "k = 2") == 0.0);
  CHECK(metric_of("mae", torch::tensor({1.0f, 3.0f}), torch::tensor({2.0f, 1.0f})) == Approx(1.5));
  CHECK(metric_of("rmse", torch::tensor({1.0f, 3.0f}), torch::tensor({2.0f, 1.0f})) == Approx(std::sqrt(2.5)));
  CHECK_FALSE(make<MetricModule>(HEARTH_CATEGORY_METRIC, "rmse")->higher_is_better());
}

TEST_CASE("losses and metrics take sequences [B, T, V] against [B, T] and maps [N, C, H, W], leaving ignore_index out",
          "[builtins][losses][metrics]") {
  torch::manual_seed(3);
  const at::Tensor logits = torch::randn({2, 4, 5});  // 2 sequences of 4 positions, 5 tokens
  at::Tensor tokens = torch::randint(0, 5, {2, 4}, at::kLong);
  tokens[1][3] = -100;  // padding
  const at::Tensor flat = logits.reshape({8, 5}), flat_tokens = tokens.reshape({8});
  const double expected = torch::nn::functional::cross_entropy(flat, flat_tokens).item<double>();  // -100 left out
  CHECK(loss_of("cross_entropy", logits, tokens) == Approx(expected));
  CHECK(loss_of("nll", logits.log_softmax(2), tokens) == Approx(expected));
  CHECK(metric_of("perplexity", logits, tokens) == Approx(std::exp(expected)));
  CHECK(metric_of("bits_per_token", logits, tokens) == Approx(expected / std::log(2.0)));
  // Accuracy and top-1 over the 7 counted positions only.
  const at::Tensor counted = flat_tokens.ne(-100);
  const double right = flat.argmax(1).eq(flat_tokens).logical_and(counted).sum().item<double>() / 7.0;
  CHECK(metric_of("accuracy", logits, tokens) == Approx(right));
  CHECK(metric_of("top_k", logits, tokens, "k = 1") == Approx(right));
  CHECK(metric_of("top_k", logits, tokens, "k = 5") == 1.0);
  CHECK(loss_of("cross_entropy", logits, tokens.masked_fill(tokens.eq(-100), 7), "ignore_index = 7") == Approx(expected));
  // A segmentation map: classes second, as PyTorch's own cross_entropy takes it.
  const at::Tensor map = torch::randn({2, 3, 4, 4});
  const at::Tensor labels = torch::randint(0, 3, {2, 4, 4}, at::kLong);
  CHECK(loss_of("cross_entropy", map, labels) == Approx(torch::nn::functional::cross_entropy(map, labels).item<double>()));
  CHECK(metric_of("accuracy", map, labels) == Approx(map.argmax(1).eq(labels).to(at::kDouble).mean().item<double>()));
  // A target of neither shape names both it would take.
  CHECK_THROWS_WITH(loss_of("cross_entropy", logits, torch::zeros({3, 3}, at::kLong)),
                    ContainsSubstring("need targets [2, 4] (classes last) or [2, 5] (classes second); got targets [3, 3]"));
  CHECK_THROWS_WITH(metric_of("accuracy", logits, torch::zeros({8, 2}, at::kLong)), ContainsSubstring("accuracy: outputs [2, 4, 5]"));
  CHECK_FALSE(make<MetricModule>(HEARTH_CATEGORY_METRIC, "perplexity")->higher_is_better());
}

TEST_CASE("models produce the documented shapes and refuse wrong inputs", "[builtins][models]") {
  auto cnn = make<ModelModule>(HEARTH_CATEGORY_MODEL, "cnn");
  CHECK(cnn->forward({torch::zeros({2, 1, 28, 28})})[0].sizes() == torch::IntArrayRef({2, 10}));
  int64_t params = 0;
  for (const auto& p : cnn->parameters()) params += p.numel();
  CHECK(params < 100000);
  CHECK_THROWS_WITH(cnn->forward({torch::zeros({2, 3, 28, 28})}), ContainsSubstring("cnn expects images [N, 1, 28, 28]"));
  auto resnet = make<ModelModule>(HEARTH_CATEGORY_MODEL, "resnet", "in_channels = 3\ndepth = 1\nwidth = 8");
  CHECK(resnet->forward({torch::zeros({2, 3, 32, 32})})[0].sizes() == torch::IntArrayRef({2, 10}));
  auto unet2 = make<ModelModule>(HEARTH_CATEGORY_MODEL, "unet2d", "depth = 2\nwidth = 4\nout_channels = 3");
  CHECK(unet2->forward({torch::zeros({1, 1, 16, 16})})[0].sizes() == torch::IntArrayRef({1, 3, 16, 16}));
  CHECK_THROWS_WITH(unet2->forward({torch::zeros({1, 1, 15, 16})}), ContainsSubstring("sizes divisible by 4"));
  auto unet1 = make<ModelModule>(HEARTH_CATEGORY_MODEL, "unet1d", "depth = 2\nwidth = 4");
  CHECK(unet1->forward({torch::zeros({2, 1, 32})})[0].sizes() == torch::IntArrayRef({2, 1, 32}));
}

TEST_CASE("torchscript trains a scripted model in place", "[builtins][models]") {
  TempDir dir;
  torch::jit::Module scripted("Affine");
  scripted.register_parameter("weight", torch::ones({3, 2}).requires_grad_(true), false);  // as torch.jit.save from Python
  scripted.define("def forward(self, x):\n  return x.matmul(self.weight)\n");
  scripted.save((dir / "affine.pt").string());
  torch::jit::setTensorExprFuserEnabled(true);
  auto model = make<ModelModule>(HEARTH_CATEGORY_MODEL, "torchscript", "file = '" + (dir / "affine.pt").string() + "'");
  REQUIRE(model->parameters().size() == 1);
  CHECK_FALSE(torch::jit::tensorExprFuserEnabled());  // its kernels can hang on LibTorch 2.x
  auto opt = make<OptimizerModule>(HEARTH_CATEGORY_OPTIMIZER, "sgd", "lr = 0.1");
  opt->bind(model->parameters());
  at::Tensor x = torch::ones({4, 3});
  double before = model->forward({x})[0].pow(2).mean().item<double>();
  for (int i = 0; i < 5; ++i) {
    opt->zero_grad();
    model->forward({x})[0].pow(2).mean().backward();
    opt->step();
  }
  CHECK(model->forward({x})[0].pow(2).mean().item<double>() < before * 0.5);
  CHECK_THROWS_WITH(make<ModelModule>(HEARTH_CATEGORY_MODEL, "torchscript", "file = '/nonexistent.pt'"),
                    ContainsSubstring("does not exist"));
}

TEST_CASE("every optimizer lowers a simple quadratic", "[builtins][optimizers]") {
  for (const char* name : {"sgd", "adam", "adamw", "rmsprop", "adagrad", "adamw_schedule_free"}) {
    INFO(name);
    at::Tensor w = torch::full({4}, 3.0, torch::requires_grad());
    auto opt = make<OptimizerModule>(HEARTH_CATEGORY_OPTIMIZER, name, "lr = 0.05");
    opt->bind({w});
    double start = w.pow(2).sum().item<double>();
    for (int i = 0; i < 20; ++i) {
      opt->zero_grad();
      w.pow(2).sum().backward();
      opt->step();
    }
    CHECK(w.pow(2).sum().item<double>() < start);
    CHECK(opt->lr(0) == Approx(0.05));
  }
}

TEST_CASE("schedulers follow their formulas", "[builtins][schedulers]") {
  CHECK(schedule("none", "", 2) == std::vector<double>{1.0, 1.0, 1.0});
  CHECK(schedule("step", "step_size = 2\ngamma = 0.5", 4) == std::vector<double>{1.0, 1.0, 0.5, 0.5, 0.25});
  CHECK(schedule("multistep", "milestones = [1, 3]\ngamma = 0.1", 3)[3] == Approx(0.01));
  CHECK(schedule("exponential", "gamma = 0.5", 3)[3] == Approx(0.125));
  auto cos = schedule("cosine", "t_max = 4\nwarmup = 1", 5);
  CHECK(cos[0] == Approx(0.5));  // warmup starts below the base rate
  CHECK(cos[1] == Approx(1.0));
  CHECK(cos[3] == Approx(0.5));
  CHECK(cos[5] == Approx(0.0).margin(1e-12));
  auto one = schedule("onecycle", "total_steps = 11\npct_start = 0.3\nmax_lr_factor = 10", 10);
  CHECK(*std::max_element(one.begin(), one.end()) == Approx(10.0));
  CHECK(one.back() == Approx(1e-4));
  auto plateau = schedule("reduce_on_plateau", "patience = 1\nfactor = 0.5", 4, {1.0, 1.0, 1.0, 1.0});
  CHECK(plateau == std::vector<double>{1.0, 1.0, 1.0, 0.5, 0.5});
}

TEST_CASE("adamw_schedule_free swaps to the averaged weights for evaluation and back", "[builtins][optimizers]") {
  at::Tensor w = torch::full({3}, 2.0, torch::requires_grad());
  auto opt = make<OptimizerModule>(HEARTH_CATEGORY_OPTIMIZER, "adamw_schedule_free", "lr = 0.1");
  opt->bind({w});
  for (int i = 0; i < 10; ++i) {
    opt->zero_grad();
    w.pow(2).sum().backward();
    opt->step();
  }
  at::Tensor y = w.detach().clone();
  opt->train(false);
  at::Tensor x = w.detach().clone();
  CHECK_FALSE(torch::allclose(x, y));
  std::string state = opt->save_state();
  opt->train(true);
  CHECK(torch::allclose(w.detach(), y, 1e-5, 1e-6));
  CHECK(x.abs().sum().item<double>() < 6.0);  // the average moved towards the minimum at 0
  opt->train(false);
  auto restored = make<OptimizerModule>(HEARTH_CATEGORY_OPTIMIZER, "adamw_schedule_free", "lr = 0.1");
  at::Tensor w2 = w.detach().clone().requires_grad_(true);
  restored->bind({w2});
  restored->load_state(state);
  CHECK_NOTHROW(restored->train(true));
}
