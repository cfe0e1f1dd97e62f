// Model graphs: the autograd walk, the Graphviz picture, the summary, and that every run has them.
#include "unit/catch.hpp"

#include <fstream>

#include "engine/plots/graph_picture.hpp"
#include "unit/picture_check.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

TEST_CASE("operations are coloured by kind", "[graph]") {
  CHECK(op_kind("Addmm") == "linear");
  CHECK(op_kind("Convolution") == "convolution");
  CHECK(op_kind("NativeBatchNorm") == "normalization");
  CHECK(op_kind("Relu") == "activation");
  CHECK(op_kind("MaxPool2DWithIndices") == "pooling");
  CHECK(op_kind("ReshapeAlias") == "shape");
  CHECK(op_kind("T") == "shape");
  CHECK(op_kind("Add") == "arithmetic");
  CHECK(op_kind("Mean") == "reduction");
  CHECK(op_kind("Frobnicate") == "other");
}

TEST_CASE("hearth graph draws the model's operations and prints its summary", "[graph][jobs]") {
  TempDir dir, cache;
  const std::string job = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";
  CommandResult r = run_hearth("graph " + job + " --out " + (dir / "g.svg").string(), cache.path());
  REQUIRE(r.exit_code == 0);
  INFO(r.output);
  // mlp 8 -> 32 -> 3: (8*32 + 32) + (32*3 + 3)
  CHECK_THAT(r.output, ContainsSubstring("total: 387 parameters"));
  CHECK_THAT(r.output, ContainsSubstring("[2, 3]"));
  std::string error;
  CHECK(svg_parses(dir / "g.svg", error));
  std::string svg = read_text(dir / "g.svg");
  CHECK_THAT(svg, ContainsSubstring("Addmm") && ContainsSubstring("input 0") && ContainsSubstring("[2, 32]") &&
                      ContainsSubstring("parameters)"));

  CommandResult png = run_hearth("graph " + job + " --out " + (dir / "g.png").string(), cache.path());
  REQUIRE(png.exit_code == 0);
  CHECK(png_facts(dir / "g.png").colours > 20);
  CommandResult bad = run_hearth("graph " + job + " --out " + (dir / "g.pdf").string(), cache.path());
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output, ContainsSubstring(".svg or .png"));

  SECTION("every run saves model.txt and graph.svg") {
    REQUIRE(run_hearth("run " + job + " --runs-dir " + (dir / "runs").string() + " --set train.epochs=1", cache.path()).exit_code == 0);
    fs::path run;
    for (auto& j : fs::directory_iterator(dir / "runs"))
      for (auto& x : fs::directory_iterator(j.path())) run = x.path();
    CHECK_THAT(read_text(run / "model.txt"), ContainsSubstring("total: 387 parameters"));
    CHECK(svg_parses(run / "graph.svg", error));
    CHECK_THAT(read_text(run / "hearth.log"), ContainsSubstring("total: 387 parameters"));
  }
}

TEST_CASE("a module's output shape is its result as the next module sees it, past LibTorch's internal views", "[graph][jobs]") {
  TempDir dir, cache;
  // A Linear on sequences [B, T, F]: LibTorch folds the input to [B*T, F], multiplies, and views the
  // product back to [B, T, out]; the summary must say [2, 4, 5], not the fold's [8, 5].
  CommandResult made = run_command("cd '" + dir.path().string() +
                                   "' && /usr/bin/python3 -c \"\n"
                                   "import numpy as np, torch\n"
                                   "np.save('x.npy', np.random.RandomState(0).randn(8, 4, 3).astype('float32'))\n"
                                   "np.save('y.npy', np.zeros((8, 4), dtype='int64'))\n"
                                   "class M(torch.nn.Module):\n"
                                   "    def __init__(self):\n"
                                   "        super().__init__()\n"
                                   "        self.proj = torch.nn.Linear(3, 5)\n"
                                   "    def forward(self, x):\n"
                                   "        return torch.relu(self.proj(x))\n"
                                   "torch.jit.trace(M(), torch.zeros(2, 4, 3)).save('m.pt')\n\" 2>&1");
  INFO(made.output);
  REQUIRE(made.exit_code == 0);
  std::ofstream(dir / "seq.toml") << "[job]\nname = \"seq\"\n[dataset]\nplugin = \"npy\"\nfile = \"x.npy\"\ntargets = \"y.npy\"\n"
                                     "batch_size = 2\n[model]\nplugin = \"torchscript\"\nfile = \"m.pt\"\n"
                                     "[[losses]]\nplugin = \"cross_entropy\"\n[optimizer]\nplugin = \"sgd\"\n";
  CommandResult r = run_hearth("graph '" + (dir / "seq.toml").string() + "' --out '" + (dir / "g.svg").string() + "'", cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, ContainsSubstring("(model)  [2, 4, 5]"));  // the plugin names parameters proj_weight, proj_bias
  CHECK_THAT(r.output, !ContainsSubstring("[8, 5]"));
}
