// The adam plugin's fused step against torch::optim::Adam: same state, same numbers (to float
// rounding), for plain, weight-decayed and AMSGrad variants, and the fallback for other tensors.
#include "unit/catch.hpp"
#include <torch/torch.h>

#include "engine/params/param_resolver.hpp"
#include "engine/runtime/library_loader.hpp"
#include "engine/runtime/modules/optimizer_module.hpp"
#include "plugins/optimizers/fused_adam.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

TEST_CASE("the fused adam step matches torch::optim::Adam", "[modules][optimizer]") {
  auto [overrides, decay, amsgrad] = GENERATE(table<std::string, double, bool>({
      {"", 0.0, false}, {"weight_decay = 0.01", 0.01, false}, {"amsgrad = true", 0.0, true}}));
  ModuleRef ref = load_module(builtin_library("optimizers", "optimizer_adam"), HEARTH_CATEGORY_OPTIMIZER, "adam");
  toml::table t = toml::parse("lr = 0.01\n" + overrides);
  OptimizerModule fused(ref, resolve_params(*ref.info, &t, ParamSource{"<test>", "adam", {}}));
  torch::manual_seed(5);
  // A contiguous float matrix (fused), a vector, a float64 and a transposed view (both fallback).
  std::vector<torch::Tensor> mine = {torch::randn({300, 70}), torch::randn({70}), torch::randn({9}, torch::kFloat64),
                                     torch::randn({8, 6}).t()};
  std::vector<torch::Tensor> theirs;
  for (auto& p : mine) {
    theirs.push_back(p.clone().requires_grad_(true));
    p.requires_grad_(true);
  }
  fused.bind(mine);
  torch::optim::Adam reference(theirs, torch::optim::AdamOptions(0.01).weight_decay(decay).amsgrad(amsgrad));
  for (int step = 0; step < 6; ++step) {
    for (size_t i = 0; i < mine.size(); ++i) {
      torch::Tensor g = torch::randn_like(mine[i]);
      mine[i].mutable_grad() = g.clone();
      theirs[i].mutable_grad() = g.clone();
    }
    fused.step();
    reference.step();
  }
  for (size_t i = 0; i < mine.size(); ++i) {
    INFO("parameter " << i);
    CHECK(torch::allclose(mine[i], theirs[i], 1e-5, 1e-6));
    CHECK_FALSE(mine[i].equal(mine[i].detach().clone().zero_()));
  }
  // The state is torch::optim::Adam's: a checkpoint of one loads into the other.
  std::string saved = fused.save_state();
  OptimizerModule again(ref, resolve_params(*ref.info, &t, ParamSource{"<test>", "adam", {}}));
  again.bind(mine);
  again.load_state(saved);
  CHECK(again.save_state().size() == saved.size());
}

namespace {

// Steps the optimizer over `params` with the same seeded gradients every time it is called.
void seeded_steps(torch::optim::Optimizer& optimizer, std::vector<torch::Tensor>& params, int steps, uint64_t seed) {
  torch::manual_seed(seed);
  for (int step = 0; step < steps; ++step) {
    for (auto& p : params) p.mutable_grad() = torch::randn_like(p);
    optimizer.step();
  }
}

std::vector<torch::Tensor> fresh_params() {
  torch::manual_seed(11);
  return {torch::randn({40, 30}).requires_grad_(true), torch::randn({30}).requires_grad_(true)};
}

std::vector<torch::Tensor> copies(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> out;
  for (const auto& p : params) out.push_back(p.detach().clone().requires_grad_(true));
  return out;
}

// Saves `from`'s state, loads it into `into` (bound to copies of the same parameters), steps both
// on and checks they stay together: the state is kept where LibTorch's own Adam looks for it.
void check_state_moves(torch::optim::Optimizer& from, std::vector<torch::Tensor>& from_params,
                       torch::optim::Optimizer& into, std::vector<torch::Tensor>& into_params) {
  seeded_steps(from, from_params, 4, 21);
  for (size_t i = 0; i < from_params.size(); ++i) into_params[i].detach().copy_(from_params[i].detach());
  std::stringstream archive;
  torch::save(from, archive);
  torch::load(into, archive);
  seeded_steps(from, from_params, 3, 22);
  seeded_steps(into, into_params, 3, 22);
  for (size_t i = 0; i < from_params.size(); ++i) {
    INFO("parameter " << i);
    CHECK(torch::allclose(from_params[i], into_params[i], 1e-6, 1e-7));
  }
}

}  // namespace

TEST_CASE("fused adam state moves to and from torch::optim::Adam checkpoints on this LibTorch", "[modules][optimizer]") {
  auto options = torch::optim::AdamOptions(0.01);
  std::vector<torch::Tensor> fused_params = fresh_params(), plain_params = copies(fused_params);
  hearth_builtin::FusedAdam fused(fused_params, options);
  torch::optim::Adam plain(plain_params, options);
  SECTION("fused saved, torch::optim::Adam loads") { check_state_moves(fused, fused_params, plain, plain_params); }
  SECTION("torch::optim::Adam saved, fused loads") { check_state_moves(plain, plain_params, fused, fused_params); }
}

TEST_CASE("the fused adamw step matches torch::optim::AdamW and decays matrices only when asked", "[modules][optimizer]") {
  auto [overrides, matrices_only, amsgrad] = GENERATE(table<std::string, bool, bool>({
      {"", false, false}, {"decay = 'matrices'", true, false}, {"amsgrad = true", false, true}, {"fused = false", false, false}}));
  ModuleRef ref = load_module(builtin_library("optimizers", "optimizer_adamw"), HEARTH_CATEGORY_OPTIMIZER, "adamw");
  toml::table t = toml::parse("lr = 0.01\nweight_decay = 0.1\n" + overrides);
  OptimizerModule fused(ref, resolve_params(*ref.info, &t, ParamSource{"<test>", "adamw", {}}));
  torch::manual_seed(5);
  // A matrix (fused), a bias-like vector, a float64 matrix and a transposed view (both fallback).
  std::vector<torch::Tensor> mine = {torch::randn({300, 70}), torch::randn({70}), torch::randn({3, 9}, torch::kFloat64),
                                     torch::randn({8, 6}).t()};
  std::vector<torch::Tensor> theirs;
  for (auto& p : mine) {
    theirs.push_back(p.clone().requires_grad_(true));
    p.requires_grad_(true);
  }
  fused.bind(mine);
  auto options = torch::optim::AdamWOptions(0.01).weight_decay(0.1).amsgrad(amsgrad);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  if (matrices_only) {
    auto undecayed = std::make_unique<torch::optim::AdamWOptions>(options);
    undecayed->weight_decay(0);
    groups.emplace_back(std::vector<torch::Tensor>{theirs[0], theirs[2], theirs[3]}, std::make_unique<torch::optim::AdamWOptions>(options));
    groups.emplace_back(std::vector<torch::Tensor>{theirs[1]}, std::move(undecayed));
  } else {
    groups.emplace_back(theirs, std::make_unique<torch::optim::AdamWOptions>(options));
  }
  torch::optim::AdamW reference(groups, options);
  CHECK(fused.group_count() == (matrices_only ? 2u : 1u));
  for (int step = 0; step < 6; ++step) {
    for (size_t i = 0; i < mine.size(); ++i) {
      torch::Tensor g = torch::randn_like(mine[i]);
      mine[i].mutable_grad() = g.clone();
      theirs[i].mutable_grad() = g.clone();
    }
    fused.step();
    reference.step();
  }
  for (size_t i = 0; i < mine.size(); ++i) {
    INFO("parameter " << i);
    CHECK(torch::allclose(mine[i], theirs[i], 1e-5, 1e-6));
  }
  // Without decay on the vector, it moves exactly as plain Adam moves it; with it, it does not.
  torch::manual_seed(5);
  (void)torch::randn({300, 70});
  torch::Tensor start = torch::randn({70});
  torch::Tensor adam_only = start.clone().requires_grad_(true);
  torch::optim::AdamW plain({adam_only}, torch::optim::AdamWOptions(0.01).weight_decay(0).amsgrad(amsgrad));
  torch::manual_seed(5);
  (void)torch::randn({300, 70}), (void)torch::randn({70}), (void)torch::randn({3, 9}, torch::kFloat64), (void)torch::randn({8, 6});
  for (int step = 0; step < 6; ++step) {
    for (size_t i = 0; i < mine.size(); ++i) {
      torch::Tensor g = torch::randn_like(mine[i]);
      if (i == 1) adam_only.mutable_grad() = g.clone();
    }
    plain.step();
  }
  CHECK(torch::allclose(mine[1], adam_only, 1e-5, 1e-6) == matrices_only);
}

TEST_CASE("adamw decay = weights leaves the parameters no_decay names alone", "[modules][optimizer]") {
  ModuleRef ref = load_module(builtin_library("optimizers", "optimizer_adamw"), HEARTH_CATEGORY_OPTIMIZER, "adamw");
  toml::table t = toml::parse("lr = 0.1\nweight_decay = 0.5\ndecay = 'weights'\n");
  OptimizerModule adamw(ref, resolve_params(*ref.info, &t, ParamSource{"<test>", "adamw", {}}));
  std::vector<torch::Tensor> params = {torch::ones({5, 4}), torch::ones({4}), torch::ones({4, 4}), torch::ones({1, 3, 4})};
  for (auto& p : params) {
    p.requires_grad_(true);
    p.mutable_grad() = torch::zeros_like(p);  // no gradient: only the decay moves a parameter
  }
  // The names the host gives (plugin ABI 1.6): the gpt's token embedding and vit's class token.
  adamw.bind(params, {"transformer.wte.weight", "transformer.h.0.ln_1.bias", "transformer.h.0.attn.c_proj.weight", "cls_token"});
  CHECK(adamw.group_count() == 2);
  adamw.step();
  CHECK(params[0].equal(torch::ones({5, 4})));  // an embedding: not decayed
  CHECK(params[1].equal(torch::ones({4})));     // a vector: not decayed
  CHECK(torch::allclose(params[2], torch::full({4, 4}, 1 - 0.1 * 0.5)));  // a weight: p *= 1 - lr * weight_decay
  CHECK(params[3].equal(torch::ones({1, 3, 4})));
  // Without names (an older host), "weights" cannot tell embeddings and says so.
  OptimizerModule blind(ref, resolve_params(*ref.info, &t, ParamSource{"<test>", "adamw", {}}));
  CHECK_THROWS_WITH(blind.bind(params), ContainsSubstring("needs the parameters' names"));
}
