// Renderers: every built-in draws what it is for and refuses what it is not; the default choice
// by shape; `hearth render` with and without a run.
#include <cairo.h>
#include "unit/catch.hpp"
#include <torch/torch.h>

#include <fstream>

#include "engine/core/error.hpp"
#include "engine/jobs/render_step.hpp"
#include "engine/jobs/renderer_choice.hpp"
#include "engine/params/param_resolver.hpp"
#include "engine/runtime/library_loader.hpp"
#include "engine/runtime/modules/renderer_module.hpp"
#include "unit/picture_check.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

RendererModule renderer(const std::string& name, const std::string& overrides = "") {
  ModuleRef ref = load_module(builtin_library("renderers", "renderer_" + name), HEARTH_CATEGORY_RENDERER, name);
  toml::table t = toml::parse(overrides);
  return RendererModule(ref, resolve_params(*ref.info, &t, ParamSource{"<test>", name, {}}));
}

/// Distinct colours of what `r` draws for `tensor` on a 200x160 picture.
size_t colours_drawn(RendererModule& r, const at::Tensor& tensor, const RenderInputs& in = {}) {
  TempDir dir;
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 200, 160);
  cairo_t* cr = cairo_create(s);
  r.render(cr, 200, 160, tensor, in);
  cairo_destroy(cr);
  cairo_surface_write_to_png(s, (dir / "p.png").c_str());
  cairo_surface_destroy(s);
  return png_facts(dir / "p.png").colours;
}

}  // namespace

TEST_CASE("each built-in renderer draws its kind of tensor and refuses others", "[render]") {
  torch::manual_seed(0);
  SECTION("signal") {
    RendererModule r = renderer("signal", "channels = ['left', 'right']");
    CHECK(colours_drawn(r, torch::sin(torch::linspace(0, 20, 500)).unsqueeze(0).repeat({2, 1})) > 10);
    CHECK(colours_drawn(r, torch::randn({5000})) > 10);  // long: a min-max envelope
    CHECK_THROWS_WITH(colours_drawn(r, torch::zeros({2, 3, 4})), ContainsSubstring("signal draws W or CW"));
  }
  SECTION("spectrogram") {
    RendererModule r = renderer("spectrogram");
    torch::Tensor complex = torch::complex(torch::randn({64, 40}), torch::randn({64, 40}));
    CHECK(colours_drawn(r, complex) > 20);
    CHECK(colours_drawn(r, torch::randn({2, 64, 40})) > 20);
    CHECK_THROWS_WITH(colours_drawn(r, torch::zeros({4, 4, 4})), ContainsSubstring("spectrogram draws complex"));
  }
  SECTION("labels") {
    RendererModule r = renderer("labels", "top = 3");
    RenderInputs in;
    in.class_names = {"cat", "dog", "owl", "fox"};
    CHECK(colours_drawn(r, torch::tensor(2, torch::kInt64), in) > 2);
    CHECK(colours_drawn(r, torch::tensor({0.1f, 2.0f, -1.0f, 0.5f}), in) > 3);
    CHECK_THROWS_WITH(colours_drawn(r, torch::zeros({3, 3}), in), ContainsSubstring("labels draws a scalar or a vector"));
  }
  SECTION("bounding_box") {
    RendererModule r = renderer("bounding_box", "format = 'xywh'");
    RenderInputs in;
    in.sample = {torch::rand({1, 32, 32}), torch::tensor({{2.0f, 2.0f, 10.0f, 12.0f, 1.0f}, {15.0f, 4.0f, 8.0f, 8.0f, 0.0f}})};
    in.tensor_names = {"image", "boxes"};
    in.tensor_index = 1;
    in.class_names = {"ball", "cup"};
    CHECK(colours_drawn(r, in.sample[1], in) > 20);
    RenderInputs no_image;
    CHECK_THROWS_WITH(colours_drawn(r, in.sample[1], no_image), ContainsSubstring("found no image"));
    CHECK_THROWS_WITH(colours_drawn(r, torch::zeros({3}), in), ContainsSubstring("[N, 4] boxes"));
  }
  SECTION("volume") {
    RendererModule r = renderer("volume", "axis = 'height'");
    CHECK(colours_drawn(r, torch::rand({1, 8, 16, 16})) > 20);
    CHECK_THROWS_WITH(colours_drawn(r, torch::rand({4, 4})), ContainsSubstring("volume draws DHW or CDHW"));
    RendererModule far = renderer("volume", "slice = 99");
    CHECK_THROWS_WITH(colours_drawn(far, torch::rand({8, 4, 4})), ContainsSubstring("slice 99 of 8"));
  }
  SECTION("bitmap") {
    RendererModule r = renderer("bitmap", "invert = true");
    CHECK(colours_drawn(r, torch::rand({3, 12, 12})) > 20);
  }
}

TEST_CASE("the default renderer follows the tensor's shape and dtype", "[render]") {
  CHECK(default_renderer(torch::tensor(3), 10, "label") == "labels");
  CHECK(default_renderer(torch::zeros({10}), 10, "prediction") == "labels");
  CHECK(default_renderer(torch::zeros({400}), 10, "wave") == "signal");
  CHECK(default_renderer(torch::zeros({2, 1000}), 0, "stereo") == "signal");
  CHECK(default_renderer(torch::zeros({28, 28}), 0, "image") == "bitmap");
  CHECK(default_renderer(torch::zeros({3, 32, 32}), 0, "image") == "bitmap");
  CHECK(default_renderer(torch::zeros({2, 64, 20}), 0, "stft") == "spectrogram");
  CHECK(default_renderer(torch::zeros({64, 20}, torch::kComplexFloat), 0, "stft") == "spectrogram");
  CHECK(default_renderer(torch::zeros({16, 32, 32}), 0, "ct") == "volume");
  CHECK(default_renderer(torch::zeros({1, 16, 32, 32}), 0, "ct") == "volume");
  CHECK(default_renderer(torch::zeros({7, 4}), 0, "boxes") == "bounding_box");
  CHECK_THROWS_WITH(default_renderer(torch::zeros({1, 2, 3, 4, 5}), 0, "odd"), ContainsSubstring("[[renders]] tensor = \"odd\""));
}

TEST_CASE("index lists are parsed or refused clearly", "[render]") {
  CHECK(parse_index_list("0-3") == std::vector<int64_t>{0, 1, 2, 3});
  CHECK(parse_index_list("5,1,7-8") == std::vector<int64_t>{5, 1, 7, 8});
  CHECK_THROWS_WITH(parse_index_list("3-1"), ContainsSubstring("'3-1' is not N or N-M"));
  CHECK_THROWS_WITH(parse_index_list("a"), ContainsSubstring("'a' is not N or N-M"));
  CHECK_THROWS_WITH(parse_index_list("1-x"), ContainsSubstring("'1-x'"));
  CHECK_THROWS_AS(parse_index_list(""), UsageError);
}

TEST_CASE("hearth render draws samples and a run's predictions with a contact sheet", "[render][jobs]") {
  TempDir dir, cache;
  const std::string job = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";
  CommandResult data_only = run_hearth("render " + job + " --index 0-3 --out " + (dir / "data").string(), cache.path());
  REQUIRE(data_only.exit_code == 0);
  INFO(data_only.output);
  CHECK(fs::exists(dir / "data/0-input.png"));
  CHECK(fs::exists(dir / "data/3-target.png"));
  CHECK_FALSE(fs::exists(dir / "data/0-prediction.png"));

  REQUIRE(run_hearth("run " + job + " --runs-dir " + (dir / "runs").string() + " --set train.epochs=1", cache.path()).exit_code == 0);
  fs::path run;
  for (auto& j : fs::directory_iterator(dir / "runs"))
    for (auto& r : fs::directory_iterator(j.path())) run = r.path();
  CommandResult with_run = run_hearth("render " + job + " --run " + run.string() + " --index 2,5 --size 128", cache.path());
  REQUIRE(with_run.exit_code == 0);
  INFO(with_run.output);
  PngFacts one = png_facts(run / "renders/5-prediction.png");
  CHECK(one.width == 128);
  CHECK(one.colours > 3);
  PngFacts sheet = png_facts(run / "renders/contact-sheet.png");
  CHECK(sheet.width >= 720);
  CHECK(sheet.height > 2 * 144);
  CHECK(sheet.colours > 50);

  CommandResult past = run_hearth("render " + job + " --index 0-500 --out " + (dir / "x").string(), cache.path());
  CHECK(past.exit_code == 2);
  CHECK_THAT(past.output, ContainsSubstring("goes past the valid split, which has 128 samples"));
}
