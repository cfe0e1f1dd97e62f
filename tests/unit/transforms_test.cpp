// [[transforms]]: each deterministic transform against torchvision's on the same uint8 image
// (Debian's python3-torchvision), seeded ones reproducible per sample, the job's validation, and
// a job that trains on uint8 images through them, resumed exactly.
#include <cairo.h>
#include "unit/catch.hpp"
#include <torch/torch.h>

#include <fstream>

#include "engine/data/image_transforms.hpp"
#include "engine/data/npy_bytes.hpp"
#include "engine/jobs/tensor_files.hpp"
#include "engine/params/host_keys.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

using Op = TransformStep::Op;

TransformStep step(Op op, int64_t size = 0) {
  TransformStep s = transform_keys(op).defaults();  // the defaults a job's table gets
  s.op = op;
  s.size = size;
  return s;
}

at::Tensor photo(int64_t h, int64_t w) {
  // Smooth content with edges, like a photo, and every value of 0-255 reachable.
  at::Tensor y = at::arange(h, at::kFloat).view({1, h, 1}), x = at::arange(w, at::kFloat).view({1, 1, w});
  at::Tensor c = at::arange(3, at::kFloat).view({3, 1, 1});
  at::Tensor v = 127.5 + 90 * at::sin(x * 0.31 + c) * at::cos(y * 0.17 - c) + 37 * at::sign(at::sin(x * 0.05 + y * 0.09));
  return v.clamp(0, 255).round().to(at::kByte);
}

/// Whether python3-torchvision is there (it is a package of scripts/setup.sh; a machine set up
/// by hand may lack it).
bool have_torchvision() { return run_command("/usr/bin/python3 -c 'import torchvision'").exit_code == 0; }

/// torchvision.transforms.functional's `call` (Python, with `img` the uint8 tensor) on `image`.
at::Tensor torchvision_of(const at::Tensor& image, const std::string& call, const TempDir& dir) {
  const fs::path in = dir / "in.npy", out = dir / "out.npy";
  std::ofstream(in, std::ios::binary) << npy_bytes(image, "test image");
  const std::string script = "import numpy as np, torch\nimport torchvision.transforms.functional as F\n"
                             "img = torch.from_numpy(np.load('" + in.string() + "'))\n"
                             "out = " + call + "\n"
                             "np.save('" + out.string() + "', out.to(torch.float32).numpy())\n";
  CommandResult r = run_command("/usr/bin/python3 -c \"$(cat <<'EOF'\n" + script + "EOF\n)\"");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return read_tensor_file(out);
}

/// `pattern` with its "{}" replaced by `value`.
std::string fmt(std::string pattern, const std::string& value) { return pattern.replace(pattern.find("{}"), 2, value); }

double max_difference(const at::Tensor& a, const at::Tensor& b) {
  REQUIRE(a.sizes() == b.sizes());
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

}  // namespace

TEST_CASE("resize, center crop, flip and normalize equal torchvision's on the same uint8 image", "[data][transforms]") {
  if (!have_torchvision()) HEARTH_SKIP("python3-torchvision is not installed (scripts/setup.sh installs it)");
  TempDir dir;
  const at::Tensor img = photo(61, 83);
  SampleRandom r(1, 0, 0);
  auto ours = [&](std::vector<TransformStep> steps) { return transform_image(img, steps, r, "test"); };

  // Downscaling (antialiased, as PIL and torchvision's antialias=True) and upscaling.
  CHECK(max_difference(ours({step(Op::resize, 24)}) * 255,
                       torchvision_of(img, "F.resize(img, 24, antialias=True)", dir)) <= 1.0);
  CHECK(max_difference(ours({step(Op::resize, 97)}) * 255,
                       torchvision_of(img, "F.resize(img, 97, antialias=True)", dir)) <= 1.0);
  CHECK(ours({step(Op::resize, 24)}).sizes() == torch::IntArrayRef({3, 24, 32}));
  // Bytes are resized as Pillow resizes them (what ImageFolder's transforms see).
  const std::string pil = "torch.from_numpy(__import__('numpy').array(F.resize(F.to_pil_image(img), {}))).permute(2, 0, 1)";
  const double vs_pil_down = max_difference(ours({step(Op::resize, 24)}) * 255, torchvision_of(img, fmt(pil, "24"), dir));
  const double vs_pil_up = max_difference(ours({step(Op::resize, 97)}) * 255, torchvision_of(img, fmt(pil, "97"), dir));
  CHECK(vs_pil_down < 1e-3);
  CHECK(vs_pil_up < 1e-3);
  CHECK(max_difference(ours({step(Op::center_crop, 40)}) * 255, torchvision_of(img, "F.center_crop(img, 40)", dir)) < 1e-3);
  CHECK(max_difference(ours({step(Op::center_crop, 70)}) * 255, torchvision_of(img, "F.center_crop(img, 70)", dir)) < 1e-3);
  TransformStep flip = step(Op::horizontal_flip);
  flip.p = 1.0;
  CHECK(max_difference(ours({flip}) * 255, torchvision_of(img, "F.hflip(img)", dir)) < 1e-3);
  TransformStep norm = step(Op::normalize);
  norm.mean = {0.485, 0.456, 0.406};
  norm.std = {0.229, 0.224, 0.225};
  CHECK(max_difference(ours({norm}), torchvision_of(img, "F.normalize(img.float() / 255, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])",
                                                    dir)) < 1e-5);
  // The evaluation pipeline of ImageNet scripts: Resize(256), CenterCrop(224), ToTensor, Normalize.
  TransformStep rrc = step(Op::random_resized_crop, 48);
  const std::vector<TransformStep> eval = evaluation_steps({rrc, flip, norm});
  REQUIRE(eval.size() == 3);
  CHECK((eval[0].op == Op::resize && eval[0].size == 54 && eval[1].op == Op::center_crop && eval[1].size == 48));
  CHECK(max_difference(ours(eval),
                       torchvision_of(img, "F.normalize(F.center_crop(F.resize(img, 54, antialias=True), 48).float() / 255, "
                                           "[0.485, 0.456, 0.406], [0.229, 0.224, 0.225])",
                                      dir)) < 1.01 / 255 / 0.224);
}

TEST_CASE("seeded transforms draw per sample: the same sample, seed and epoch give the same pixels", "[data][transforms]") {
  const at::Tensor img = photo(40, 50);
  TransformStep rrc = step(Op::random_resized_crop, 24), jitter = step(Op::color_jitter), crop = step(Op::random_crop, 32);
  jitter.brightness = jitter.contrast = jitter.saturation = 0.4;
  crop.padding = 4;
  crop.padding_mode = TransformStep::Padding::reflect;
  const std::vector<TransformStep> steps = {rrc, step(Op::horizontal_flip), jitter, crop};
  auto run = [&](uint64_t seed, int64_t epoch, int64_t sample) {
    SampleRandom r(seed, epoch, sample);
    return transform_image(img, steps, r, "test");
  };
  const at::Tensor a = run(7, 2, 11);
  CHECK(a.sizes() == torch::IntArrayRef({3, 32, 32}));
  CHECK(a.scalar_type() == at::kFloat);
  CHECK(torch::equal(a, run(7, 2, 11)));
  CHECK_FALSE(torch::equal(a, run(7, 2, 12)));
  CHECK_FALSE(torch::equal(a, run(7, 3, 11)));
  CHECK_FALSE(torch::equal(a, run(8, 2, 11)));
  CHECK((a.min().item<float>() >= 0 && a.max().item<float>() <= 1));
  // A float image goes through the same steps.
  SampleRandom r(7, 2, 11);
  CHECK(transform_image(img.to(at::kFloat) / 255, steps, r, "test").sizes() == torch::IntArrayRef({3, 32, 32}));

  TransformStep norm = step(Op::normalize);
  norm.mean = {0.5};
  norm.std = {0.5};
  SampleRandom r2(1, 0, 0);
  CHECK_THROWS_WITH(transform_image(img, {norm}, r2, "sample 4's tensor 'image'"),
                    ContainsSubstring("sample 4's tensor 'image' has 3 channels but normalize has 1 means"));
  CHECK_THROWS_WITH(transform_image(at::zeros({5}), {norm}, r2, "sample 4's tensor 'x'"), ContainsSubstring("work on images [C, H, W]"));
}

namespace {

void write_image_folder(const fs::path& folder, int count) {
  for (int i = 0; i < count; ++i) {
    const fs::path cls = folder / (i % 2 ? "b" : "a");
    fs::create_directories(cls);
    cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 20, 14);
    cairo_t* cr = cairo_create(s);
    cairo_set_source_rgb(cr, (i % 2) * 0.8, 0.3, (i % 7) / 7.0);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, i % 10, 2, 4, 8);
    cairo_fill(cr);
    cairo_destroy(cr);
    cairo_surface_write_to_png(s, (cls / (std::to_string(i) + ".png")).c_str());
    cairo_surface_destroy(s);
  }
}

const char* kTransformJob = R"(
[job]
name = "transforms"
seed = 5
device = "cpu"
threads = 1

[dataset]
plugin = "image_folder"
folder = "images"
uint8 = true
batch_size = 16
valid_fraction = 0.2
workers = 2

[[transforms]]
op = "random_resized_crop"
size = 8
scale = [0.5, 1.0]

[[transforms]]
op = "horizontal_flip"

[[transforms]]
op = "color_jitter"
brightness = 0.3
contrast = 0.3
saturation = 0.3

[[transforms]]
op = "normalize"
mean = [0.5, 0.5, 0.5]
std = [0.25, 0.25, 0.25]

[model]
plugin = "mlp"
in_features = 192
hidden = [16]
out_features = 2

[[losses]]
plugin = "cross_entropy"

[[metrics]]
plugin = "accuracy"

[optimizer]
plugin = "sgd"
lr = 0.05

[train]
epochs = 30
)";

}  // namespace

TEST_CASE("a job trains on uint8 images through [[transforms]], reproducibly and resumed exactly", "[data][transforms][resume]") {
  TempDir work, cache;
  write_image_folder(work / "images", 600);
  std::ofstream(work / "job.toml") << kTransformJob;
  const std::string job = "run " + (work / "job.toml").string();
  REQUIRE(run_hearth(job + " --runs-dir " + (work / "a").string(), cache.path()).exit_code == 0);
  CommandResult again = run_hearth(job + " --runs-dir " + (work / "b").string(), cache.path());
  INFO(again.output);
  REQUIRE(again.exit_code == 0);
  const std::string want = read_text(single_run(work / "a") / "metrics.csv");
  CHECK(read_text(single_run(work / "b") / "metrics.csv") == want);
  CHECK_THAT(read_text(single_run(work / "a") / "job.toml"), ContainsSubstring("[[transforms]]\nop = \"random_resized_crop\""));

  const BackgroundHearth h = start_hearth(job + " --runs-dir " + (work / "c").string(), cache.path(), work.path());
  const fs::path run = wait_for_epochs(work / "c", 2, h, 60);
  REQUIRE(run_command("kill -INT " + read_text(h.pid)).exit_code == 0);
  REQUIRE(h.wait(30));
  CommandResult resumed = run_hearth("resume " + run.string(), cache.path());
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK(read_text(run / "metrics.csv") == want);
}

TEST_CASE("[[transforms]] are validated with the job: ops, keys, bounds and tensors", "[data][transforms][jobs]") {
  TempDir work, cache;
  write_image_folder(work / "images", 8);
  auto check_with = [&](const std::string& transforms) {
    std::string text = kTransformJob;
    const size_t from = text.find("[[transforms]]"), to = text.find("[model]");
    text = text.substr(0, from) + transforms + "\n" + text.substr(to);
    std::ofstream(work / "job.toml") << text;
    return run_hearth("check " + (work / "job.toml").string(), cache.path());
  };
  CommandResult op = check_with("[[transforms]]\nop = \"random_resize_crop\"\nsize = 8\n");
  CHECK(op.exit_code == 2);
  CHECK_THAT(op.output, ContainsSubstring("job.toml:") && ContainsSubstring("is not a transform (did you mean 'random_resized_crop'"));
  CommandResult key = check_with("[[transforms]]\nop = \"resize\"\nsise = 8\n");
  CHECK(key.exit_code == 2);
  CHECK_THAT(key.output, ContainsSubstring("transforms[0]") && ContainsSubstring("sise"));
  CommandResult missing = check_with("[[transforms]]\nop = \"center_crop\"\n");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.output, ContainsSubstring("size"));
  CommandResult bounds = check_with("[[transforms]]\nop = \"random_resized_crop\"\nsize = 8\nscale = [0.9, 0.1]\n");
  CHECK(bounds.exit_code == 2);
  CHECK_THAT(bounds.output, ContainsSubstring("scale needs two numbers, low then high"));
  CommandResult tensor = check_with("[[transforms]]\nop = \"horizontal_flip\"\ntensor = \"picture\"\n");
  INFO(tensor.output);
  CommandResult ran = run_hearth("run " + (work / "job.toml").string() + " --runs-dir " + (work / "runs").string(), cache.path());
  CHECK(ran.exit_code != 0);
  CHECK_THAT(ran.output, ContainsSubstring("names tensor 'picture', which is not an input of the dataset (its inputs: image)"));
}
