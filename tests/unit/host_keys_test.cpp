// Every key the host reads is declared once (engine/params/host_keys.cpp): the schema that
// validates a job, the docs row, the default and the typed field all come from that declaration.
#include "unit/catch.hpp"

#include <algorithm>
#include <fstream>

#include "engine/core/error.hpp"
#include "engine/discovery/plugin_registry.hpp"
#include "engine/jobs/job.hpp"
#include "engine/params/host_keys.hpp"
#include "engine/sweeps/sweep_spec.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const std::string kJob = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";

/// The options `keys` gives for a table that sets nothing: through validation, as a job's table.
template <class Options>
Options resolved_from_nothing(const KeyTable<Options>& keys) {
  return keys.read(nullptr, "empty.toml");
}

}  // namespace

TEST_CASE("a host table's declared defaults are what an empty table resolves to", "[params][keys]") {
  // Each binding must accept its own default (a choice's default among its words, a device that
  // parses): defaults() and validation-then-resolve go through different code.
  const TrainOptions t = resolved_from_nothing(train_keys()), td = train_keys().defaults();
  CHECK((t.epochs == 10 && td.epochs == 10));
  CHECK((t.monitor == "valid.loss" && td.monitor == "valid.loss"));
  CHECK((t.mode == MonitorMode::automatic && td.mode == MonitorMode::automatic));
  CHECK((t.accumulate == 1 && td.accumulate == 1 && t.log_every == 50));
  CHECK_FALSE((t.skip_nan || t.bf16 || td.skip_nan || td.bf16));
  const DistributedOptions d = resolved_from_nothing(distributed_keys());
  CHECK((d.backend == "auto" && d.port == 29500 && d.timeout_seconds == 120 && d.join_timeout_seconds == 600));
  CHECK(d.bucket_mb == 25.0);
  const GeneralOptions g = resolved_from_nothing(job_keys());
  CHECK((g.device.kind == DeviceRequest::Kind::automatic && g.runs == "runs" && g.threads == 0 && g.seed == 0));
  const DataOptions data = resolved_from_nothing(dataset_keys());
  CHECK((data.batch_size == 64 && data.shuffle && data.workers == 2 && !data.skip_bad_samples && data.subsample == 1.0));
  const ExportStepOptions e = resolved_from_nothing(export_keys());
  CHECK(e.checkpoint == CheckpointName::best);
  CHECK(e.formats == std::vector<std::string>{"torchscript", "state_dict", "safetensors"});
  CHECK(resolved_from_nothing(model_keys()).strict);
  CHECK(resolved_from_nothing(loss_keys()).weight == 1.0);
  CHECK(resolved_from_nothing(analyzer_keys()).split == SplitName::train);
  const TransformStep rrc = transform_keys(TransformStep::Op::random_resized_crop).defaults();
  CHECK((rrc.scale_min == 0.08 && rrc.scale_max == 1.0 && rrc.ratio_min == 0.75 && rrc.ratio_max == Approx(4.0 / 3.0)));
  CHECK(transform_keys(TransformStep::Op::horizontal_flip).defaults().p == 0.5);
  // The docs row is the declaration's: one key, its type, its default text.
  const std::vector<ParamInfo>& rows = train_keys().schema();
  REQUIRE(rows.size() == 16);
  CHECK(resolved_from_nothing(train_keys()).validate_every_steps == 0);  // inside epochs: only when asked
  auto row = [&](const std::string& key) {
    auto it = std::find_if(rows.begin(), rows.end(), [&](const ParamInfo& p) { return p.key == key; });
    REQUIRE(it != rows.end());
    return *it;
  };
  CHECK(row("monitor").default_toml == std::string("\"valid.loss\""));
  CHECK(row("mode").choices == std::vector<std::string>{"auto", "min", "max"});
  CHECK(row("validate_every_steps").default_toml == std::string("0"));
}

TEST_CASE("[job] device is parsed once into a typed request, and a bad one is refused with its line", "[params][keys]") {
  CHECK(parse_device_request("auto").kind == DeviceRequest::Kind::automatic);
  CHECK(parse_device_request("cpu").kind == DeviceRequest::Kind::cpu);
  const DeviceRequest two = parse_device_request("cuda:2");
  CHECK((two.kind == DeviceRequest::Kind::cuda && two.index == 2 && two.text() == "cuda:2"));
  CHECK(parse_device_request("cuda").index == -1);
  for (const char* bad : {"gpu", "cuda:", "cuda:x", "cuda:-1", "cuda:99999", "CPU", "cuda:1\n"})
    CHECK_THROWS_WITH(parse_device_request(bad), ContainsSubstring("is not a device: use auto (CUDA when present), cpu, cuda or cuda:N"));

  TempDir cache, dir;
  PluginRegistry reg = PluginRegistry::discover(isolated_discovery(cache.path(), {}));
  std::string job = read_text(kJob);
  job.replace(job.find("device = \"cpu\""), 14, "device = \"gpu\"");
  std::ofstream(dir / "job.toml") << job;
  try {
    load_job(dir / "job.toml", {}, reg);
    FAIL("a job with device = \"gpu\" was loaded");
  } catch (const UsageError& e) {
    CHECK_THAT(e.what(), ContainsSubstring((dir / "job.toml").string() + ":6:") && ContainsSubstring("[job] device = 'gpu' is not a device"));
  }
}

TEST_CASE("sweeps read the job's seed and monitor through the same keys, defaults and validation", "[params][keys][sweeps]") {
  TempDir dir;
  std::string job = read_text(kJob);
  job.replace(job.find("monitor = \"valid.accuracy\""), 26, "");
  std::ofstream(dir / "job.toml") << job;
  std::ofstream(dir / "s.toml") << "[sweep]\njob = \"job.toml\"\n[sweep.parameters]\n\"optimizer.lr\" = [0.1, 0.01]\n";
  const SweepSpec spec = load_sweep(dir / "s.toml");
  CHECK(spec.metric == train_keys().defaults().monitor);  // "valid.loss": the job's monitor when it names none
  CHECK(spec.job_seed == 7);

  // A [train] monitor of the wrong type is refused with the job file's line, as `hearth run` would.
  std::string wrong = read_text(kJob);
  wrong.replace(wrong.find("monitor = \"valid.accuracy\""), 26, "monitor = 5");
  std::ofstream(dir / "job.toml", std::ios::trunc) << wrong;
  CHECK_THROWS_WITH(load_sweep(dir / "s.toml"), ContainsSubstring("job.toml:") && ContainsSubstring("monitor"));
}
