// Hearth inside another program: C programs (tests/embed) train a job's MLP on sin(x) from arrays
// they own through the C API of hearth/embed.h, resume exactly after SIGKILL, and get a status
// and a message for every misuse.
#include "unit/catch.hpp"
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "engine/core/loopback_port.hpp"
#include "engine/runs/checkpoint.hpp"
#include "engine/runs/metrics_table.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const std::string kSineJob = std::string(HEARTH_SOURCE_DIR) + "/tests/embed/sine.toml";
/// The Lorenz example's surrogate, one jump of 10 steps from fresh states: its rms distance from
/// RK4 stays below this (docs/embed.md has the measured figure; the attractor spans about 40).
constexpr double kLorenzOneJump = 1.0;

/// The variables that isolate a driver's cache and user folder, as run_hearth isolates hearth.
std::string isolated_env(const fs::path& cache_dir) {
  return "env -u HEARTH_PLUGIN_PATH HEARTH_SCAN_TIMEOUT_MS=3000 HEARTH_CACHE_DIR='" + cache_dir.string() + "' XDG_DATA_HOME='" +
         (cache_dir / "data").string() + "' ";
}

/// A driver run isolated, with a launcher's variables in `vars`.
CommandResult run_driver(const std::string& driver, const std::string& args, const fs::path& cache_dir,
                         const std::string& vars = "") {
  return run_command(isolated_env(cache_dir) + vars + " '" + driver + "' " + args);
}

/// The lines of `output` that start with `prefix`.
std::vector<std::string> lines_with(const std::string& output, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  return out;
}

/// The run folder the driver printed ("run PATH").
fs::path run_of(const CommandResult& r) {
  const std::vector<std::string> runs = lines_with(r.output, "run ");
  REQUIRE(runs.size() == 1);
  return runs[0].substr(4);
}

/// Two ranks of the sine driver started with torchrun's variables, each writing to out/rank-R.txt;
/// both exit codes.
std::pair<int, int> two_ranks(const std::string& args, const fs::path& out, const fs::path& cache) {
  const std::string common = "WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(free_loopback_port());
  const std::string all = args + " --probe --out " + out.string();
  CommandResult rank1;
  std::thread other([&] { rank1 = run_driver(HEARTH_EMBED_SINE, all, cache, "RANK=1 LOCAL_RANK=1 " + common); });
  CommandResult rank0 = run_driver(HEARTH_EMBED_SINE, all, cache, "RANK=0 LOCAL_RANK=0 " + common);
  other.join();
  UNSCOPED_INFO(rank0.output + rank1.output);
  return {rank0.exit_code, rank1.exit_code};
}

double last_number(const std::string& line) { return std::stod(line.substr(line.rfind(' ') + 1)); }

}  // namespace

TEST_CASE("a C program trains an MLP on sin(x) from its own arrays and writes an ordinary run", "[embed]") {
  TempDir runs, cache;
  const std::string args = kSineJob + " " + runs.path().string() + " 25";
  CommandResult r = run_driver(HEARTH_EMBED_SINE, args, cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const fs::path run = run_of(r);
  // 12 epochs of 25 steps ([train] epochs ends the loop through hearth_embed_end_epoch).
  CHECK(lines_with(r.output, "step ").size() == 300);
  CHECK_THAT(read_text(run_of(r) / "hearth.log"), ContainsSubstring("hearth_embed_open (pid "));
  const std::vector<std::string> predicted = lines_with(r.output, "predicted mse ");
  REQUIRE(predicted.size() == 1);
  CHECK(last_number(predicted[0]) < 0.01);  // docs/embed.md: the MSE of sin on [-pi, pi] after 300 steps
  const MetricsTable table = read_metrics_table(run / "metrics.csv");
  CHECK(table.column("epoch").size() == 12);
  CHECK(table.column("step").back() == 300);
  CHECK(table.column("sim.steps").back() == 300);  // the program's own scalar
  CHECK(table.column("valid.loss").back() == Approx(last_number(lines_with(r.output, "epoch valid ").back())));
  const nlohmann::json info = nlohmann::json::parse(read_text(run / "run.json"));
  CHECK(info["status"] == "completed");
  CHECK(info["best"]["monitor"] == "valid.loss");
  CHECK(fs::is_regular_file(run / "checkpoints/best.pt"));
  CHECK(load_checkpoint(run / "checkpoints/last.pt").step == 300);
  // `hearth runs` and `hearth eval` know it as any run (eval on the job's own model needs data: it
  // has none, and says so).
  CommandResult listed = run_hearth("runs show " + run.string(), cache.path());
  CHECK(listed.exit_code == 0);
  CHECK_THAT(listed.output, ContainsSubstring("completed"));

  // The same program and data give the same losses, to the last bit.
  TempDir again;
  CommandResult second = run_driver(HEARTH_EMBED_SINE, kSineJob + " " + again.path().string() + " 25", cache.path());
  REQUIRE(second.exit_code == 0);
  CHECK(lines_with(second.output, "step ") == lines_with(r.output, "step "));
  CHECK(load_checkpoint(run_of(second) / "checkpoints/last.pt").model == load_checkpoint(run / "checkpoints/last.pt").model);
}

TEST_CASE("the C program's training equals hearth run of the same job over a CSV of the same batches", "[embed]") {
  TempDir runs, data, cache;
  // The driver's 25 batches of an epoch, in order, as a CSV dataset (floats written to round-trip).
  std::ofstream csv(data / "sine.csv");
  csv << "x,y\n";
  for (int k = 0; k < 25; ++k)
    for (int i = 0; i < 64; ++i) {
      const double u = std::fmod(static_cast<double>(k) * 0.6180339887498949 + static_cast<double>(i) * 0.7548776662466927, 1.0);
      const float x = static_cast<float>(-3.141592653589793 + 2.0 * 3.141592653589793 * u);
      char line[64];
      std::snprintf(line, sizeof line, "%.9g,%.9g\n", x, sinf(x));
      csv << line;
    }
  csv.close();
  std::ofstream(data / "sine.toml") << read_text(kSineJob)
                                    << "\n[dataset]\nplugin = \"csv\"\nfile = \"sine.csv\"\nbatch_size = 64\nshuffle = false\n";
  CommandResult run = run_hearth("run " + (data / "sine.toml").string() + " --runs-dir " + (runs / "cli").string(), cache.path());
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CommandResult embedded = run_driver(HEARTH_EMBED_SINE, kSineJob + " " + (runs / "embed").string() + " 25", cache.path());
  REQUIRE(embedded.exit_code == 0);
  const fs::path cli = single_run(runs / "cli");
  CHECK(load_checkpoint(cli / "checkpoints/last.pt").step == 300);
  CHECK(load_checkpoint(cli / "checkpoints/last.pt").model == load_checkpoint(run_of(embedded) / "checkpoints/last.pt").model);
}

TEST_CASE("a C program killed with SIGKILL after saving resumes to the weights of a run never killed", "[embed][resume]") {
  TempDir reference, killed, cache;
  CommandResult whole = run_driver(HEARTH_EMBED_SINE, kSineJob + " " + reference.path().string() + " 25", cache.path());
  REQUIRE(whole.exit_code == 0);
  CommandResult first = run_driver(HEARTH_EMBED_SINE, kSineJob + " " + killed.path().string() + " 25 --kill-after 140", cache.path());
  INFO(first.output);
  REQUIRE(first.exit_code == 128 + 9);
  const fs::path run = run_of(first);
  CHECK(load_checkpoint(run / "checkpoints/last.pt").step == 140);
  CommandResult rest = run_driver(HEARTH_EMBED_SINE, kSineJob + " " + killed.path().string() + " 25 --resume " + run.string(), cache.path());
  INFO(rest.output);
  REQUIRE(rest.exit_code == 0);
  CHECK(run_of(rest) == run);
  // It went on from step 141 with the batches it would have had, to the same weights.
  const std::vector<std::string> resumed = lines_with(rest.output, "step "), all = lines_with(whole.output, "step ");
  REQUIRE(resumed.size() == 160);
  CHECK(std::vector<std::string>(all.begin() + 140, all.end()) == resumed);
  CHECK(load_checkpoint(run / "checkpoints/last.pt").model == load_checkpoint(run_of(whole) / "checkpoints/last.pt").model);
  const nlohmann::json info = nlohmann::json::parse(read_text(run / "run.json"));
  CHECK(info["status"] == "completed");
  CHECK(info["resumes"].size() == 1);
  CHECK(read_metrics_table(run / "metrics.csv").column("epoch").size() == 12);
}

TEST_CASE("the ranks of a program started by a launcher train one model each on its own arrays", "[embed][distributed]") {
  TempDir runs, out, alone, cache;
  std::string launcher;
  SECTION("torchrun's variables") {
    launcher = "torchrun";
    REQUIRE(two_ranks(kSineJob + " " + runs.path().string() + " 5", out.path(), cache.path()) == std::make_pair(0, 0));
  }
  SECTION("Open MPI's mpirun") {
    launcher = "Open MPI";
    const std::string port = std::to_string(free_loopback_port());
    const std::string args = kSineJob + " " + runs.path().string() + " 5 --probe --out " + out.path().string();
    CommandResult r = run_command(isolated_env(cache.path()) + "MASTER_PORT=" + port +
                                  " mpirun --allow-run-as-root --oversubscribe -np 2 -x MASTER_PORT -x HEARTH_CACHE_DIR "
                                  "-x XDG_DATA_HOME -x HEARTH_SCAN_TIMEOUT_MS '" HEARTH_EMBED_SINE "' " + args);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
  }
  const std::string first = read_text(out / "rank-0.txt"), second = read_text(out / "rank-1.txt");
  INFO(first + second);
  CHECK(lines_with(first, "rank ") == std::vector<std::string>{"rank 0 of 2"});
  CHECK(lines_with(second, "rank ") == std::vector<std::string>{"rank 1 of 2"});
  // The same weights on both after every step (their predictions on one grid, hashed), and the
  // loss of both ranks' samples on both.
  const std::vector<std::string> probes = lines_with(first, "probe ");
  CHECK(probes.size() == 60);
  CHECK(lines_with(second, "probe ") == probes);
  CHECK(lines_with(first, "step ") == lines_with(second, "step "));
  // Rank 1's arrays moved the weights: a program alone (rank 0's arrays only) is elsewhere at once.
  CommandResult single = run_driver(HEARTH_EMBED_SINE, kSineJob + " " + alone.path().string() + " 5 --probe", cache.path());
  REQUIRE(single.exit_code == 0);
  REQUIRE(lines_with(single.output, "probe ").size() == 60);
  CHECK(lines_with(single.output, "probe ")[0] != probes[0]);
  // One run, written by rank 0, whose valid.loss pools both ranks' grids (64 points each).
  const fs::path run = single_run(runs.path());
  const std::vector<std::string> valid0 = lines_with(first, "epoch valid "), valid1 = lines_with(second, "epoch valid ");
  const std::vector<double> logged = read_metrics_table(run / "metrics.csv").column("valid.loss");
  REQUIRE((valid0.size() == 12 && valid1.size() == 12 && logged.size() == 12));
  for (size_t e = 0; e < logged.size(); ++e)
    CHECK(logged[e] == Approx((last_number(valid0[e]) + last_number(valid1[e])) / 2).epsilon(1e-6));
  CHECK(last_number(valid0.back()) != last_number(valid1.back()));  // the grids differ: pooling is seen
  const nlohmann::json info = nlohmann::json::parse(read_text(run / "run.json"));
  CHECK(info["status"] == "completed");
  CHECK(info["distributed"]["launcher"] == launcher);
  CHECK(info["distributed"]["world_size"] == 2);
  CHECK(load_checkpoint(run / "checkpoints/last.pt").step == 60);
  CHECK_THAT(read_text(run / "hearth.log"), ContainsSubstring("rank 0 of 2"));
  CHECK_THAT(read_text(run / "hearth.rank-1.log"), ContainsSubstring("rank 1 of 2"));
}

TEST_CASE("two ranks killed with SIGKILL after saving resume together to the weights of a run never killed", "[embed][distributed][resume]") {
  TempDir whole, killed, cache, out_whole, out_first, out_rest;
  REQUIRE(two_ranks(kSineJob + " " + whole.path().string() + " 5", out_whole.path(), cache.path()) == std::make_pair(0, 0));
  REQUIRE(two_ranks(kSineJob + " " + killed.path().string() + " 5 --kill-after 27", out_first.path(), cache.path()) ==
          std::make_pair(128 + 9, 128 + 9));
  const fs::path run = single_run(killed.path());
  CHECK(load_checkpoint(run / "checkpoints/last.pt").step == 27);
  REQUIRE(two_ranks(kSineJob + " " + killed.path().string() + " 5 --resume " + run.string(), out_rest.path(), cache.path()) ==
          std::make_pair(0, 0));
  // Both ranks went on from step 28 with the weights and losses of the run never killed.
  const std::vector<std::string> all = lines_with(read_text(out_whole / "rank-0.txt"), "probe ");
  REQUIRE(all.size() == 60);
  for (const char* rank : {"rank-0.txt", "rank-1.txt"}) {
    CHECK(lines_with(read_text(out_rest / rank), "probe ") == std::vector<std::string>(all.begin() + 27, all.end()));
    const std::vector<std::string> steps = lines_with(read_text(out_whole / rank), "step ");
    CHECK(lines_with(read_text(out_rest / rank), "step ") == std::vector<std::string>(steps.begin() + 27, steps.end()));
  }
  CHECK(load_checkpoint(run / "checkpoints/last.pt").model == load_checkpoint(single_run(whole.path()) / "checkpoints/last.pt").model);
  const nlohmann::json info = nlohmann::json::parse(read_text(run / "run.json"));
  CHECK(info["status"] == "completed");
  CHECK(info["resumes"].size() == 1);
}

TEST_CASE("with [distributed] backend none the ranks of a program each train a model of their own", "[embed][distributed]") {
  TempDir runs, out, cache;
  std::ofstream(out / "apart.toml") << read_text(kSineJob) << "\n[distributed]\nbackend = \"none\"\n";
  CommandResult r = run_command(isolated_env(cache.path()) + "mpirun --allow-run-as-root --oversubscribe -np 2 -x HEARTH_CACHE_DIR "
                                "-x XDG_DATA_HOME -x HEARTH_SCAN_TIMEOUT_MS '" HEARTH_EMBED_SINE "' " + (out / "apart.toml").string() +
                                " " + runs.path().string() + " 5 --probe");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(lines_with(r.output, "rank ") == std::vector<std::string>{"rank 0 of 1", "rank 0 of 1"});
  // Two runs, each completed on its own.
  std::vector<fs::path> found;
  for (const auto& job : fs::directory_iterator(runs.path()))
    for (const auto& run : fs::directory_iterator(job.path())) found.push_back(run.path());
  REQUIRE(found.size() == 2);
  for (const fs::path& run : found) {
    CHECK(nlohmann::json::parse(read_text(run / "run.json"))["status"] == "completed");
    CHECK(load_checkpoint(run / "checkpoints/last.pt").step == 60);
  }
}

TEST_CASE("ranks of a program that opened different jobs get a status and a message and no hang", "[embed][distributed]") {
  TempDir runs, out, cache;
  const std::string job = read_text(kSineJob) + "\n[distributed]\njoin_timeout_seconds = 5\n";
  std::ofstream(out / "a.toml") << job;
  std::string other_job = job;
  other_job.replace(other_job.find("lr = 0.005"), 10, "lr = 0.004");  // rank 1's copy was edited
  std::ofstream(out / "b.toml") << other_job;
  const std::string common = "WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(free_loopback_port());
  CommandResult rank1;
  std::thread other([&] {
    rank1 = run_driver(HEARTH_EMBED_SINE, (out / "b.toml").string() + " " + runs.path().string() + " 5", cache.path(), "RANK=1 " + common);
  });
  CommandResult rank0 = run_driver(HEARTH_EMBED_SINE, (out / "a.toml").string() + " " + runs.path().string() + " 5", cache.path(),
                                   "RANK=0 " + common);
  other.join();
  INFO(rank0.output + rank1.output);
  CHECK(rank1.exit_code == 1);
  CHECK_THAT(rank1.output, ContainsSubstring("hearth_embed_open failed (status 2)") &&
                               ContainsSubstring("rank 1 resolved a different job than rank 0"));
  CHECK(rank0.exit_code == 1);
  CHECK_THAT(rank0.output, ContainsSubstring("hearth_embed_open failed") && ContainsSubstring("rank 1"));
}

TEST_CASE("an embedded run exports with the inputs its program kept and the commands that need its data say why", "[embed][export]") {
  TempDir runs, cache;
  CommandResult r = run_driver(HEARTH_EMBED_SINE, kSineJob + " " + runs.path().string() + " 5", cache.path());
  REQUIRE(r.exit_code == 0);
  const fs::path run = run_of(r);
  CommandResult exported = run_hearth("export " + run.string() + " --format all", cache.path());
  INFO(exported.output);
  REQUIRE(exported.exit_code == 0);
  const nlohmann::json manifest = nlohmann::json::parse(read_text(run / "export-best/manifest.json"));
  CHECK(manifest["files"].size() == 4);
  CHECK(manifest["inputs"][0]["name"] == "input");
  CHECK(manifest["inputs"][0]["shape"] == nlohmann::json::array({"batch", 1}));
  for (const auto& f : manifest["files"])
    if (f.contains("max_difference")) CHECK(f["max_difference"].get<double>() < 1e-5);
  // No data to resume or score with: each says so, and the run stays as it was.
  CommandResult killed = run_driver(HEARTH_EMBED_SINE, kSineJob + " " + runs.path().string() + " 5 --kill-after 7", cache.path());
  REQUIRE(killed.exit_code == 128 + 9);
  for (const fs::path& which : {run_of(killed), run}) {
    CommandResult refused = run_hearth((which == run ? "eval " : "resume ") + which.string(), cache.path());
    INFO(refused.output);
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.output, ContainsSubstring("hearth/embed.h") && ContainsSubstring("hearth_embed_params.resume"));
  }
  CHECK(nlohmann::json::parse(read_text(run / "run.json"))["status"] == "completed");
  CHECK(nlohmann::json::parse(read_text(run_of(killed) / "run.json"))["status"] == "running");  // not marked failed
  // A damaged example is named, not loaded.
  std::ofstream(run / "inputs.example.pt", std::ios::trunc) << "not a pickle";
  CommandResult damaged = run_hearth("export " + run.string() + " --format torchscript --out again", cache.path());
  CHECK(damaged.exit_code == 2);
  CHECK_THAT(damaged.output, ContainsSubstring("inputs.example.pt is not a list of tensors"));
  fs::remove(run / "inputs.example.pt");
  CommandResult missing = run_hearth("export " + run.string() + " --format torchscript --out again", cache.path());
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.output, ContainsSubstring("inputs.example.pt does not exist"));
  CHECK(run_hearth("export " + run.string() + " --format safetensors --out again", cache.path()).exit_code == 0);
}

TEST_CASE("the C++ wrapper closes its session and throws a failure with the status", "[embed]") {
  TempDir runs, cache;
  CommandResult r = run_driver(HEARTH_EMBED_RAII, kSineJob + " " + runs.path().string(), cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, ContainsSubstring("failure 3 hearth_embed_train_step: input 0 is [8, 2] Float"));
  CHECK_THAT(r.output, ContainsSubstring("steps 5"));
  CHECK_THAT(r.output, ContainsSubstring("rank 0 of 1"));
  const std::vector<std::string> closed = lines_with(r.output, "closed ");
  REQUIRE(closed.size() == 1);
  // The destructor closed it: run.json says how it ended, and the lock is free.
  CHECK(nlohmann::json::parse(read_text(fs::path(closed[0].substr(7)) / "run.json"))["status"] == "completed");
}

TEST_CASE("misuse of the C API gets a status and a message and never a crash", "[embed]") {
  TempDir runs, cache;
  CommandResult r = run_driver(HEARTH_EMBED_MISUSE, kSineJob + " " + runs.path().string() + " " + test_plugin_dir("throwing").string(),
                               cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::map<std::string, std::vector<std::string>> cases;  // case -> its lines: "STATUS MESSAGE"
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    const size_t space = line.find(' ');
    if (space != std::string::npos) cases[line.substr(0, space)].push_back(line.substr(space + 1));
  }
  auto status_of = [&](const std::string& name) { return cases.count(name) ? std::stoi(cases[name][0]) : -1; };
  auto message_of = [&](const std::string& name) { return cases.count(name) ? cases[name][0] : std::string(); };
  CHECK(status_of("open-null-params") == 1);  // HEARTH_EMBED_INVALID_ARGUMENT
  CHECK(status_of("open-no-job") == 1);
  CHECK_THAT(message_of("open-no-job"), ContainsSubstring("give exactly one of job_file and job_toml"));
  CHECK(status_of("open-invalid-job") == 2);  // HEARTH_EMBED_INVALID_JOB, with the line of the bad value
  CHECK_THAT(message_of("open-invalid-job"), ContainsSubstring("job_toml:5:") && ContainsSubstring("in_features"));
  CHECK(status_of("step-null-session") == 1);
  CHECK(status_of("open-sine") == 0);
  CHECK(status_of("step-wide-first") == 4);  // the model's forward fails on [8, 2]: HEARTH_EMBED_PLUGIN_FAILED
  CHECK_THAT(message_of("step-wide-first"), ContainsSubstring("model 'mlp'") && ContainsSubstring("[8, 2] Float"));
  CHECK(status_of("step") == 0);
  CHECK(status_of("step-wide-later") == 3);  // HEARTH_EMBED_SHAPE_MISMATCH, against the first step's
  CHECK_THAT(message_of("step-wide-later"), ContainsSubstring("input 0 is [8, 2] Float, but the session's first step had [batch, 1] Float"));
  CHECK(status_of("step-float64") == 0);  // converted to float32
  CHECK(status_of("step-no-inputs") == 1);
  CHECK(status_of("step-null-data") == 1);
  CHECK(status_of("predict-wrong-output") == 3);
  CHECK_THAT(message_of("predict-wrong-output"), ContainsSubstring("output 0 is [8, 2] Float, but the model's output 0 is [8, 1] Float"));
  CHECK(status_of("log-null-name") == 1);
  CHECK(status_of("close") == 0);
  CHECK(status_of("step-after-close") == 1);
  CHECK_THAT(message_of("step-after-close"), ContainsSubstring("not an open session"));
  CHECK(status_of("close-again") == 1);
  CHECK(status_of("open-throwing") == 0);
  REQUIRE(cases["step-throwing"].size() == 3);
  CHECK(cases["step-throwing"][0].rfind("0 ", 0) == 0);
  CHECK(cases["step-throwing"][2].rfind("4 ", 0) == 0);
  CHECK_THAT(cases["step-throwing"][2], ContainsSubstring("fails_after") && ContainsSubstring("libthrowing.so"));
  CHECK(status_of("close-throwing") == 0);
  // The failure is in the run's hearth.log too, as a job's would be.
  fs::path throws;
  for (const auto& entry : fs::directory_iterator(runs.path() / "throws")) throws = entry.path();
  CHECK_THAT(read_text(throws / "hearth.log"), ContainsSubstring("hearth_embed_train_step: ") && ContainsSubstring("fails_after"));
  // A Fortran-ordered array is read through its strides: the same predictions as its C copy.
  CHECK(status_of("predict-columns") == 0);
  CHECK(message_of("columns-equal") == "1");
  CHECK(message_of("changed-differs") == "1");
}

TEST_CASE("a Fortran program trains bitwise as its C twin and resumes exactly after SIGKILL", "[embed][fortran]") {
  if (std::string(HEARTH_EMBED_SINE_F).empty()) HEARTH_SKIP("no Fortran compiler was found when Hearth was built (install gfortran)");
  TempDir c_runs, f_runs, killed, cache;
  CommandResult c = run_driver(HEARTH_EMBED_SINE, kSineJob + " " + c_runs.path().string() + " 25", cache.path());
  REQUIRE(c.exit_code == 0);
  CommandResult f = run_driver(HEARTH_EMBED_SINE_F, kSineJob + " " + f_runs.path().string() + " 25", cache.path());
  INFO(f.output);
  REQUIRE(f.exit_code == 0);
  CHECK(lines_with(f.output, "rank ") == std::vector<std::string>{"rank 0 of 1"});  // hearth_world, alone
  // The same batches from Fortran's column-major arrays: the same losses, bit for bit.
  auto bits = [](const CommandResult& r) {
    std::vector<std::string> out;
    for (const std::string& line : lines_with(r.output, "step ")) out.push_back(line.substr(0, line.find(" loss ")));
    return out;
  };
  REQUIRE(bits(f).size() == 300);
  CHECK(bits(f) == bits(c));
  CHECK(load_checkpoint(run_of(f) / "checkpoints/last.pt").model == load_checkpoint(run_of(c) / "checkpoints/last.pt").model);
  CHECK(last_number(lines_with(f.output, "predicted mse ")[0]) < 0.01);

  CommandResult first = run_driver(HEARTH_EMBED_SINE_F, kSineJob + " " + killed.path().string() + " 25 --kill-after 90", cache.path());
  REQUIRE(first.exit_code == 128 + 9);
  const fs::path run = run_of(first);
  CommandResult rest =
      run_driver(HEARTH_EMBED_SINE_F, kSineJob + " " + killed.path().string() + " 25 --resume " + run.string(), cache.path());
  INFO(rest.output);
  REQUIRE(rest.exit_code == 0);
  CHECK(load_checkpoint(run / "checkpoints/last.pt").model == load_checkpoint(run_of(c) / "checkpoints/last.pt").model);
}

TEST_CASE("the Lorenz example trains its surrogate while it simulates and then steps with it", "[embed][example]") {
  TempDir runs, cache;
  CommandResult r = run_command("cd '" HEARTH_SOURCE_DIR "/examples/embed' && env -u HEARTH_PLUGIN_PATH HEARTH_SCAN_TIMEOUT_MS=3000 "
                                "HEARTH_CACHE_DIR='" + cache.path().string() + "' XDG_DATA_HOME='" + (cache / "data").string() +
                                "' '" HEARTH_EXAMPLE_LORENZ "' '" + runs.path().string() + "'");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, ContainsSubstring("trained: 1000 steps"));
  const std::vector<std::string> first = lines_with(r.output, "after  10 steps of dt: rms distance from RK4 ");
  REQUIRE(first.size() == 1);
  CHECK(last_number(first[0]) < kLorenzOneJump);  // docs/embed.md: one jump of the surrogate
  const fs::path run = single_run(runs.path());
  CHECK(read_metrics_table(run / "metrics.csv").column("sim.energy").size() == 40);
  CHECK(nlohmann::json::parse(read_text(run / "run.json"))["status"] == "completed");
}

TEST_CASE("the Fortran Lorenz example trains its surrogate through hearth_f and steps with it", "[embed][example][fortran]") {
  if (std::string(HEARTH_EXAMPLE_LORENZ_F).empty()) HEARTH_SKIP("no Fortran compiler was found when Hearth was built (install gfortran)");
  TempDir runs, cache;
  CommandResult r = run_command("cd '" HEARTH_SOURCE_DIR "/examples/embed' && env -u HEARTH_PLUGIN_PATH HEARTH_SCAN_TIMEOUT_MS=3000 "
                                "HEARTH_CACHE_DIR='" + cache.path().string() + "' XDG_DATA_HOME='" + (cache / "data").string() +
                                "' '" HEARTH_EXAMPLE_LORENZ_F "' '" + runs.path().string() + "'");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, ContainsSubstring("trained: 1000 steps"));
  const std::vector<std::string> first = lines_with(r.output, "after  10 steps of dt: rms distance from RK4 ");
  REQUIRE(first.size() == 1);
  CHECK(last_number(first[0]) < kLorenzOneJump);
  CHECK(read_metrics_table(single_run(runs.path()) / "metrics.csv").column("sim.energy").size() == 40);
}
