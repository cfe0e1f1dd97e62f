// The built-in modules driven together through the C ABI, in this process: a batch from the
// dataset plugin through the model plugin into the loss plugin, backward into the model's
// parameters, the optimizer and scheduler plugins, the metric, the analyzer and the renderer.
#include <cairo.h>
#include "unit/catch.hpp"
#include <torch/torch.h>

#include "engine/core/error.hpp"
#include "engine/params/param_resolver.hpp"
#include "engine/runtime/modules/analyzer_module.hpp"
#include "engine/runtime/modules/dataset_module.hpp"
#include "engine/runtime/modules/loss_module.hpp"
#include "engine/runtime/modules/metric_module.hpp"
#include "engine/runtime/modules/model_module.hpp"
#include "engine/runtime/modules/optimizer_module.hpp"
#include "engine/runtime/modules/renderer_module.hpp"
#include "engine/runtime/modules/scheduler_module.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

struct Loaded {
  ModuleRef ref;
  ParamValues params;
};

/// A built-in module with its defaults, `overrides` given as TOML text.
Loaded builtin(const std::string& folder, const std::string& lib, hearth_category cat, const std::string& name,
               const std::string& overrides = "") {
  ModuleRef ref = load_module(builtin_library(folder, lib), cat, name);
  toml::table t = toml::parse(overrides);
  return {ref, resolve_params(*ref.info, &t, ParamSource{"<test>", name, {}})};
}

ModuleRef throwing(hearth_category cat, const std::string& name) {
  return load_module(test_plugin_dir("throwing") / "libthrowing.so", cat, name);
}

/// Share of pixels that differ from the first one: 0 for a blank picture.
double non_blank(cairo_surface_t* s) {
  cairo_surface_flush(s);
  const unsigned char* d = cairo_image_surface_get_data(s);
  int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s), stride = cairo_image_surface_get_stride(s);
  uint32_t first = *reinterpret_cast<const uint32_t*>(d);
  int differ = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) differ += reinterpret_cast<const uint32_t*>(d + y * stride)[x] != first;
  return static_cast<double>(differ) / (w * h);
}

}  // namespace

TEST_CASE("dataset model loss optimizer scheduler and metric plugins train together", "[modules][e2e]") {
  torch::manual_seed(0);
  auto d = builtin("datasets", "dataset_random", HEARTH_CATEGORY_DATASET, "random", "classes = 0\ninput_shape = [6]");
  DatasetModule data(d.ref, d.params);
  CHECK(data.size(HEARTH_SPLIT_TRAIN) == 256);
  CHECK(data.tensor_names() == std::vector<std::string>{"input", "target"});
  CHECK(data.tensor_roles() == std::vector<hearth_role>{HEARTH_ROLE_INPUT, HEARTH_ROLE_TARGET});

  auto m = builtin("models", "model_mlp", HEARTH_CATEGORY_MODEL, "mlp", "in_features = 6\nhidden = [16]\nout_features = 1");
  ModelModule model(m.ref, m.params);
  auto l = builtin("losses", "loss_mse", HEARTH_CATEGORY_LOSS, "mse");
  LossModule loss(l.ref, l.params);
  auto o = builtin("optimizers", "optimizer_sgd", HEARTH_CATEGORY_OPTIMIZER, "sgd", "lr = 0.05\nmomentum = 0.9");
  OptimizerModule optimizer(o.ref, o.params);
  auto s = builtin("schedulers", "scheduler_step", HEARTH_CATEGORY_SCHEDULER, "step", "step_size = 1\ngamma = 0.5");
  SchedulerModule scheduler(s.ref, s.params);
  auto a = builtin("metrics", "metric_accuracy", HEARTH_CATEGORY_METRIC, "accuracy", "threshold = 0.0");
  MetricModule metric(a.ref, a.params);

  auto named = model.named_parameters();
  REQUIRE(named.size() == 4);
  CHECK(named[0].first == "linear0.weight");
  optimizer.bind(model.parameters());
  CHECK(optimizer.group_count() == 1);
  CHECK(optimizer.lr(0) == Approx(0.05));
  scheduler.start(optimizer.lrs());

  std::vector<int64_t> indices(64);
  std::iota(indices.begin(), indices.end(), 0);
  auto batch = data.get_batch(HEARTH_SPLIT_TRAIN, indices);
  REQUIRE(batch.has_value());
  REQUIRE((*batch)[0].sizes() == torch::IntArrayRef({64, 6}));

  at::Tensor before = named[0].second.detach().clone();
  double first_loss = 0, last_loss = 0;
  model.train(true);
  for (int step = 0; step < 60; ++step) {
    optimizer.zero_grad();
    std::vector<at::Tensor> outputs = model.forward({(*batch)[0]});
    at::Tensor value = loss.forward(outputs, {(*batch)[1]});
    value.backward();  // autograd crosses from the loss plugin back into the model plugin
    if (step == 0) {
      first_loss = value.item<double>();
      REQUIRE(named[0].second.grad().defined());
      CHECK(named[0].second.grad().abs().sum().item<double>() > 0);
    }
    optimizer.step();
    last_loss = value.item<double>();
  }
  CHECK_FALSE(torch::equal(before, named[0].second.detach()));
  CHECK(last_loss < first_loss * 0.5);

  scheduler.step_and_apply(optimizer, std::nullopt);
  CHECK(optimizer.lr(0) == Approx(0.025));
  scheduler.step_and_apply(optimizer, std::nullopt);
  CHECK(scheduler.current_lr(0) == Approx(0.0125));

  model.train(false);
  metric.reset();
  metric.update(model.forward({(*batch)[0]}), {(*batch)[1]});
  double acc = metric.compute();
  CHECK(acc > 0.7);  // the sign of a learnable target, after training
  CHECK(metric.higher_is_better());
}

TEST_CASE("model optimizer and scheduler state survive a save/load round trip", "[modules]") {
  auto m = builtin("models", "model_mlp", HEARTH_CATEGORY_MODEL, "mlp", "in_features = 3\nhidden = [4]\nout_features = 2");
  ModelModule model(m.ref, m.params);
  std::string saved = model.save_state();
  at::Tensor original = model.parameters()[0].detach().clone();
  {
    torch::NoGradGuard no_grad;
    model.parameters()[0].add_(1.0);
  }
  model.load_state(saved);
  CHECK(torch::equal(model.parameters()[0].detach(), original));
  CHECK_THROWS_WITH(model.load_state("garbage"), ContainsSubstring("model 'mlp': load_state failed"));

  auto o = builtin("optimizers", "optimizer_sgd", HEARTH_CATEGORY_OPTIMIZER, "sgd", "momentum = 0.5");
  OptimizerModule optimizer(o.ref, o.params);
  optimizer.bind(model.parameters());
  optimizer.set_lr(0, 0.5);
  std::string opt_state = optimizer.save_state();
  OptimizerModule restored(o.ref, o.params);
  restored.bind(model.parameters());
  CHECK(restored.lr(0) == Approx(0.01));
  restored.load_state(opt_state);
  CHECK(restored.lr(0) == Approx(0.5));  // a scheduled rate survives, not only the momentum buffers

  auto s = builtin("schedulers", "scheduler_step", HEARTH_CATEGORY_SCHEDULER, "step", "step_size = 1");
  SchedulerModule scheduler(s.ref, s.params);
  scheduler.start({1.0});
  scheduler.step(std::nullopt, 1);
  std::string sched_state = scheduler.save_state();
  SchedulerModule fresh(s.ref, s.params);
  fresh.start({1.0});
  fresh.load_state(sched_state);
  CHECK(fresh.step(std::nullopt, 1)[0] == Approx(0.01));  // second decay, as the original would
}

TEST_CASE("the analyzer counts classes offers weights and draws a report", "[modules][pictures]") {
  auto d = builtin("datasets", "dataset_random", HEARTH_CATEGORY_DATASET, "random", "classes = 3\ntrain_samples = 90");
  DatasetModule data(d.ref, d.params);
  CHECK(data.class_names() == std::vector<std::string>{"class_0", "class_1", "class_2"});
  auto a = builtin("analyzers", "analyzer_class_count", HEARTH_CATEGORY_ANALYZER, "class_count");
  AnalyzerModule analyzer(a.ref, a.params);
  analyzer.start(data.tensor_names(), data.tensor_roles(), data.class_names());
  for (int64_t i = 0; i < 90; ++i) analyzer.take(data.get(HEARTH_SPLIT_TRAIN, i));
  analyzer.finish();
  auto summary = analyzer.summary();
  REQUIRE(summary.size() >= 2);
  CHECK(summary[0] == std::make_pair(std::string("samples"), std::string("90")));
  auto weights = analyzer.class_weights();
  REQUIRE(weights.has_value());
  CHECK(weights->numel() == 3);

  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 480, 320);
  cairo_t* cr = cairo_create(surface);
  analyzer.report(cr, 480, 320);
  cairo_destroy(cr);
  CHECK(non_blank(surface) > 0.02);
  cairo_surface_destroy(surface);
}

TEST_CASE("the renderer plugin draws a dataset sample into a PNG", "[modules][pictures]") {
  auto d = builtin("datasets", "dataset_random", HEARTH_CATEGORY_DATASET, "random", "input_shape = [1, 8, 8]");
  DatasetModule data(d.ref, d.params);
  auto r = builtin("renderers", "renderer_bitmap", HEARTH_CATEGORY_RENDERER, "bitmap", "colormap = \"viridis\"");
  RendererModule renderer(r.ref, r.params);
  std::vector<at::Tensor> sample = data.get(HEARTH_SPLIT_TRAIN, 0);

  TempDir dir;
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 128, 128);
  cairo_t* cr = cairo_create(surface);
  renderer.render(cr, 128, 128, sample[0], RenderInputs{sample, data.tensor_names(), 0, data.class_names()});
  cairo_destroy(cr);
  CHECK(non_blank(surface) > 0.5);
  fs::path png = dir / "sample.png";
  REQUIRE(cairo_surface_write_to_png(surface, png.c_str()) == CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy(surface);
  std::string bytes = read_text(png);
  REQUIRE(bytes.size() > 100);
  CHECK(bytes.substr(1, 3) == "PNG");

  cairo_surface_t* other = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 16, 16);
  cairo_t* cr2 = cairo_create(other);
  CHECK_THROWS_WITH(renderer.render(cr2, 16, 16, at::zeros({2, 2, 2, 2}), {}),
                    ContainsSubstring("renderer 'bitmap': render failed: bitmap draws HW or CHW tensors"));
  cairo_destroy(cr2);
  cairo_surface_destroy(other);
}

TEST_CASE("a plugin that throws everywhere fails each call with its file and module", "[modules][broken]") {
  MetricModule metric(throwing(HEARTH_CATEGORY_METRIC, "always_throws"), {});
  auto expect = [](const std::function<void()>& call, const std::string& what) {
    try {
      call();
      FAIL("no error for " << what);
    } catch (const PluginError& e) {
      std::string m = e.what();
      CHECK_THAT(m, ContainsSubstring("libthrowing.so"));
      CHECK_THAT(m, ContainsSubstring("'always_throws'"));
      CHECK_THAT(m, ContainsSubstring(what + " failed: " + what + " exploded"));
    }
  };
  expect([&] { metric.update({at::zeros({1})}, {at::zeros({1})}); }, "update");
  expect([&] { metric.compute(); }, "compute");
  expect([&] { metric.reset(); }, "reset");
  CHECK(metric.higher_is_better());  // an int entry cannot fail; the SDK answers the default

  CHECK_THROWS_WITH(LossModule(throwing(HEARTH_CATEGORY_LOSS, "throws_on_create"), {}),
                    ContainsSubstring("loss 'throws_on_create': create failed: constructor exploded"));

  ModelModule model(throwing(HEARTH_CATEGORY_MODEL, "throwing_model"), {});
  CHECK_THROWS_WITH(model.forward({at::zeros({1})}), ContainsSubstring("forward failed: unknown exception"));

  // The process is still fine: a good module loads and runs after all of that.
  auto l = builtin("losses", "loss_mse", HEARTH_CATEGORY_LOSS, "mse");
  LossModule mse(l.ref, l.params);
  CHECK(mse.forward({at::ones({2})}, {at::zeros({2})}).item<double>() == Approx(1.0));
  CHECK_THROWS_WITH(mse.forward({at::ones({2})}, {at::zeros({3})}), ContainsSubstring("and target shape [3] differ"));
}
