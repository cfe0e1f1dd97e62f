// The adam plugin's fused step against torch::optim::Adam: same state, same numbers (to float
// rounding), for plain, weight-decayed and AMSGrad variants, and the fallback for other tensors.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "engine/params/param_resolver.hpp"
#include "engine/runtime/library_loader.hpp"
#include "engine/runtime/modules/optimizer_module.hpp"
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
