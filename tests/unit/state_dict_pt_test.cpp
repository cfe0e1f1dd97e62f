// Reading the state_dict `.pt` files Python's torch.save writes (engine/export/pytorch_pickle):
// made here by Debian's python3-torch, including shared and strided storages; refused when they
// hold anything else.
#include "unit/catch.hpp"
#include <nlohmann/json.hpp>

#include <ATen/ATen.h>

#include <fstream>

#include "engine/core/error.hpp"
#include "engine/export/pytorch_pickle.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

/// Runs a Python snippet with Debian's python3; its last output line is returned.
std::string python(const std::string& code) {
  CommandResult r = run_command("/usr/bin/python3 -c '" + code + "' 2>&1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::string out = r.output;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out.substr(out.rfind('\n') + 1);
}

}  // namespace

TEST_CASE("a state_dict saved by torch.save in Python reads back with the same names shapes and values", "[export][python]") {
  TempDir dir;
  const std::string file = (dir / "sd.pt").string();
  nlohmann::ordered_json want = nlohmann::ordered_json::parse(python(
      "import json, torch\n"
      "torch.manual_seed(1)\n"
      "m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2).double())\n"
      "m[1].running_mean.add_(0.5); m[1].num_batches_tracked.add_(7)\n"
      "sd = m.state_dict()\n"
      "sd[\"view\"] = m[0].weight.detach().t()[1:]\n"  // a strided view sharing the weight's storage
      "torch.save(sd, \"" + file + "\")\n"
      "print(json.dumps({k: [list(v.shape), str(v.dtype), float(v.double().sum())] for k, v in sd.items()}))"));
  NamedTensors got = read_state_dict_pt(file);
  REQUIRE(got.size() == want.size());
  size_t i = 0;
  for (const auto& [name, spec] : want.items()) {
    INFO(name);
    CHECK(got[i].first == name);  // file order
    CHECK(std::vector<int64_t>(got[i].second.sizes().begin(), got[i].second.sizes().end()) == spec[0].get<std::vector<int64_t>>());
    CHECK(got[i].second.to(at::kDouble).sum().item<double>() == Approx(spec[2].get<double>()).epsilon(1e-12));
    ++i;
  }
  CHECK(got[4].second.scalar_type() == at::kFloat);   // 1.running_mean
  CHECK(got[6].second.scalar_type() == at::kLong);    // 1.num_batches_tracked
  CHECK(got[6].second.item<int64_t>() == 7);
  CHECK(got[7].second.scalar_type() == at::kDouble);  // the double Linear's weight
}

TEST_CASE("files that are not a state_dict of tensors are refused naming the file", "[export][python]") {
  TempDir dir;
  const std::string model = (dir / "model.pt").string(), list = (dir / "list.pt").string();
  python("import torch\n"
         "torch.save(torch.nn.Linear(2, 2), \"" + model + "\")\n"
         "torch.save([torch.ones(2)], \"" + list + "\")\nprint(1)");
  CHECK_THROWS_WITH(read_state_dict_pt(model), ContainsSubstring(model + ": the pickle asks for torch.nn.modules.linear.Linear"));
  CHECK_THROWS_WITH(read_state_dict_pt(list), ContainsSubstring("holds no dict of tensors; save model.state_dict(), not the model"));
  std::ofstream(dir / "text.pt") << "not a zip";
  CHECK_THROWS_WITH(read_state_dict_pt(dir / "text.pt"), ContainsSubstring("is not a zip file made by torch.save"));
  // Truncated: the zip's directory is gone.
  std::string bytes = read_text(model);
  std::ofstream(dir / "cut.pt", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  CHECK_THROWS_AS(read_state_dict_pt(dir / "cut.pt"), UsageError);
  CHECK_THROWS_WITH(read_state_dict_pt("/dev/zero"), ContainsSubstring("not a regular file"));
}
