// The built-in transformers (`gpt`, `vit`, made of hearth/transformer.hpp's blocks): the same
// logits as reference PyTorch models of the same architecture written in Python
// (tests/python/export_check.py) from the same weights, state_dicts that load strictly both ways,
// causality, and a key-value cache that gives the full forward's logits.
#include "unit/catch.hpp"
#include <hearth/transformer.hpp>
#include <torch/torch.h>

#include <fstream>

#include "engine/params/param_resolver.hpp"
#include "engine/runtime/modules/model_module.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const std::string kCheck = "/usr/bin/python3 " + std::string(HEARTH_SOURCE_DIR) + "/tests/python/export_check.py ";

std::unique_ptr<ModelModule> make_model(const std::string& name, const std::string& toml_text) {
  static TempDir cache;
  static PluginRegistry reg = PluginRegistry::discover(isolated_discovery(cache.path(), {}));
  const ModuleEntry& e = reg.find(HEARTH_CATEGORY_MODEL, name);
  ModuleRef ref = load_module(e.file, HEARTH_CATEGORY_MODEL, name);
  toml::table t = toml::parse(toml_text);
  auto m = std::make_unique<ModelModule>(ref, resolve_params(*ref.info, &t, ParamSource{"<test>", name, {}}));
  m->train(false);
  return m;
}

const char* kSmallGpt = "vocab_size = 11\nblock_size = 16\nlayers = 2\nheads = 2\nwidth = 32\n";

/// A flat uint16 token file of `n` ids below `vocab`.
void write_tokens(const fs::path& file, int n, int vocab) {
  std::ofstream out(file, std::ios::binary);
  for (int i = 0; i < n; ++i) {
    const auto id = static_cast<uint16_t>((i * 7 + i / 3) % vocab);
    out.write(reinterpret_cast<const char*>(&id), 2);
  }
}

/// A job over `dataset` that trains `model` for one epoch at learning rate 0 from `init`: its
/// checkpoint holds exactly the weights it started from.
fs::path run_from_weights(const TempDir& dir, const TempDir& cache, const std::string& dataset, const std::string& model,
                          const fs::path& init) {
  std::ofstream(dir / "job.toml") << "[job]\nname = \"t\"\nseed = 1\ndevice = \"cpu\"\nthreads = 2\n\n[dataset]\n" << dataset
                                  << "batch_size = 8\n\n[model]\n" << model << "init = \"" << init.string()
                                  << "\"\n\n[[losses]]\nplugin = \"cross_entropy\"\n\n[optimizer]\nplugin = \"sgd\"\nlr = 0.0\n\n"
                                     "[train]\nepochs = 1\n";
  CommandResult r = run_hearth("run " + (dir / "job.toml").string() + " --runs-dir " + (dir / "runs").string(), cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return single_run(dir / "runs");
}

void python_ok(const std::string& args) {
  CommandResult r = run_command(kCheck + args + " 2>&1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
}

/// Python's reference model from `params`, initialised with `seed`, its state_dict and outputs;
/// Hearth started from that state_dict gives the same outputs within 1e-5, and Hearth's export
/// loads strictly into the reference model and gives its TorchScript's outputs.
void check_against_python(const std::string& kind, const std::string& params, const std::string& dataset,
                          const std::string& model) {
  TempDir dir, cache;
  python_ok("save-state " + kind + " '" + params + "' 3 " + (dir / "sd.pt").string() + " " + (dir / "in.npy").string() + " " +
            (dir / "torch.npy").string());
  const fs::path run = run_from_weights(dir, cache, dataset, model, dir / "sd.pt");
  CommandResult infer = run_hearth("infer " + run.string() + " --checkpoint last --input " + (dir / "in.npy").string() + " --out " +
                                       (dir / "hearth.npy").string(),
                                   cache.path());
  INFO(infer.output);
  REQUIRE(infer.exit_code == 0);
  python_ok("compare " + (dir / "hearth.npy").string() + " " + (dir / "torch.npy").string() + " 1e-5 0");
  CommandResult ex = run_hearth("export " + run.string() + " --checkpoint last --format torchscript,state_dict,safetensors,onnx",
                                cache.path());
  INFO(ex.output);
  REQUIRE(ex.exit_code == 0);
  python_ok("check " + (run / "export-last").string() + " " + kind + " '" + params + "' " + (dir / "x.npy").string() + " " +
            (dir / "y.npy").string());
}

}  // namespace

TEST_CASE("gpt gives nanoGPT's logits from its state_dict and its exports load strictly there", "[transformer][python]") {
  TempDir data;
  write_tokens(data / "train.bin", 600, 11);
  check_against_python("gpt", R"({"vocab_size": 11, "block_size": 16, "layers": 2, "heads": 2, "width": 32})",
                       "plugin = \"tokens\"\nfile = \"" + (data / "train.bin").string() + "\"\nblock_size = 16\nvocab_size = 11\n",
                       std::string("plugin = \"gpt\"\n") + kSmallGpt);
}

TEST_CASE("vit gives the reference ViT's logits from its state_dict and its exports load strictly there", "[transformer][python]") {
  check_against_python("vit", R"({"image_size": 12, "patch_size": 4, "in_channels": 1, "classes": 3, "layers": 2, "heads": 2, "width": 16})",
                       "plugin = \"random\"\ninput_shape = [1, 12, 12]\nclasses = 3\ntrain_samples = 16\nvalid_samples = 8\n",
                       "plugin = \"vit\"\nimage_size = 12\npatch_size = 4\nclasses = 3\nlayers = 2\nheads = 2\nwidth = 16\n");
}

TEST_CASE("gpt is causal: tokens after position t never change the logits at or before t", "[transformer]") {
  auto gpt = make_model("gpt", kSmallGpt);
  torch::manual_seed(5);
  at::Tensor a = torch::randint(0, 11, {3, 16}, torch::kLong);
  at::Tensor full = gpt->forward({a})[0];
  REQUIRE(full.sizes() == at::IntArrayRef({3, 16, 11}));
  for (int64_t t : {0, 5, 14}) {
    at::Tensor b = a.clone();
    b.slice(1, t + 1) = (b.slice(1, t + 1) + 1) % 11;  // every later token changed
    at::Tensor changed = gpt->forward({b})[0];
    INFO("t = " << t);
    CHECK(torch::equal(changed.slice(1, 0, t + 1), full.slice(1, 0, t + 1)));
    CHECK_FALSE(torch::allclose(changed.slice(1, t + 1), full.slice(1, t + 1)));
  }
}

TEST_CASE("gpt's key-value cache gives the logits of the full forward", "[transformer]") {
  auto gpt = make_model("gpt", kSmallGpt);
  torch::manual_seed(6);
  at::Tensor tokens = torch::randint(0, 11, {2, 16}, torch::kLong);
  at::Tensor full = gpt->forward({tokens})[0];
  // A prompt of 5 tokens, then one token at a time.
  std::vector<at::Tensor> out = gpt->forward({tokens.slice(1, 0, 5), at::empty({0})});
  REQUIRE(out.size() == 2);
  CHECK(out[1].sizes() == at::IntArrayRef({2, 2, 2, 2, 5, 16}));  // [layers, key/value, B, heads, T, head width]
  CHECK(torch::allclose(out[0], full.slice(1, 0, 5), 1e-5, 1e-6));
  for (int64_t t = 5; t < 16; ++t) {
    out = gpt->forward({tokens.slice(1, t, t + 1), out[1]});
    INFO("position " << t);
    CHECK(torch::allclose(out[0].select(1, 0), full.select(1, t), 1e-5, 1e-6));
  }
  // Past block_size there is no position embedding: a clear error, not an index error.
  CHECK_THROWS_WITH(gpt->forward({tokens.slice(1, 0, 1), out[1]}),
                    ContainsSubstring("17 positions exceed block_size 16; crop the context"));
}

TEST_CASE("gpt and vit refuse inputs they cannot take naming the key to change", "[transformer]") {
  auto gpt = make_model("gpt", kSmallGpt);
  CHECK_THROWS_WITH(gpt->forward({torch::full({1, 4}, 11, torch::kLong)}),
                    ContainsSubstring("token id 11 is outside vocab_size 11; set vocab_size = \"dataset:classes\""));
  CHECK_THROWS_WITH(gpt->forward({torch::zeros({1, 4})}), ContainsSubstring("gpt expects token ids [B, T] of int64"));
  CHECK_THROWS_WITH(gpt->forward({torch::zeros({1, 17}, torch::kLong)}), ContainsSubstring("exceed block_size 16"));
  CHECK_THROWS_WITH(make_model("gpt", "vocab_size = 11\nwidth = 30\nheads = 4\n"),
                    ContainsSubstring("width 30 is not a multiple of heads = 4"));
  CHECK_THROWS_WITH(make_model("vit", "image_size = 28\npatch_size = 5\n"), ContainsSubstring("patch_size 5 does not divide image_size 28"));
  auto vit = make_model("vit", "image_size = 28\npatch_size = 7\nwidth = 16\nheads = 2\nlayers = 1\n");
  CHECK(vit->forward({torch::rand({3, 28, 28})})[0].sizes() == at::IntArrayRef({3, 10}));
  CHECK_THROWS_WITH(vit->forward({torch::rand({3, 3, 28, 28})}), ContainsSubstring("vit expects images [N, 1, 28, 28], got [3, 3, 28, 28]"));
}
