// Sweeps: expansion (grid, random, repeats), validation with positions, local parallel sweeps and
// their reports checked against the trials' metrics.csv, resume after a kill, array tasks
// (--trial auto, GNU parallel), the median rule, and reports over failed and running trials.
#include "unit/catch.hpp"

#include <signal.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/core/error.hpp"
#include "engine/sweeps/median_rule.hpp"
#include "engine/sweeps/sweep_index.hpp"
#include "engine/sweeps/sweep_spec.hpp"
#include "engine/sweeps/sweep_trials.hpp"
#include "engine/sweeps/trial_choice.hpp"
#include "unit/picture_check.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const std::string kJob = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::trunc) << text; }

/// random-smoke, small enough for a trial to take a second or two.
std::string small_job(int epochs) {
  std::string job = read_text(kJob);
  job.replace(job.find("train_samples = 512"), 19, "train_samples = 256");
  job.replace(job.find("epochs = 6"), 10, "epochs = " + std::to_string(epochs));
  return job;
}

/// The one sweep folder under runs/<job>/sweeps/.
fs::path single_sweep(const fs::path& runs, const std::string& job = "random-smoke") {
  std::vector<fs::path> found;
  for (const auto& e : fs::directory_iterator(runs / job / "sweeps"))
    if (e.path().filename().string()[0] != '.') found.push_back(e.path());
  REQUIRE(found.size() == 1);
  return found.front();
}

nlohmann::json json_of(const fs::path& file) { return nlohmann::json::parse(read_text(file)); }

/// The best value of `column` in a metrics.csv, highest or lowest.
double best_in_csv(const fs::path& csv, const std::string& column, bool maximize) {
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> head;
  std::stringstream hs(line);
  for (std::string c; std::getline(hs, c, ',');) head.push_back(c);
  const size_t at = static_cast<size_t>(std::find(head.begin(), head.end(), column) - head.begin());
  REQUIRE(at < head.size());
  double best = maximize ? -INFINITY : INFINITY;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ls(line);
    for (std::string c; std::getline(ls, c, ',');) cells.push_back(c);
    const double v = std::stod(cells.at(at));
    best = maximize ? std::max(best, v) : std::min(best, v);
  }
  return best;
}

size_t csv_rows(const fs::path& csv) {
  const std::string t = read_text(csv);
  return static_cast<size_t>(std::count(t.begin(), t.end(), '\n')) - 1;
}

std::string trial_status(const fs::path& sweep, int trial) {
  char name[32];
  std::snprintf(name, sizeof name, "trial-%03d", trial);
  const fs::path info = sweep / "trials" / name / "run.json";
  return fs::exists(info) ? json_of(info).value("status", "") : "pending";
}

}  // namespace

TEST_CASE("grid and random sweeps expand to the same trials on every machine", "[sweeps][expand]") {
  TempDir dir;
  write(dir / "job.toml", small_job(2));
  SECTION("a grid multiplies its values, repeats take the job's seed and the next ones") {
    write(dir / "grid.toml",
          "[sweep]\njob = \"job.toml\"\nrepeats = 2\n[sweep.parameters]\n\"optimizer.lr\" = [0.1, 0.01]\n"
          "\"model.hidden\" = [[16], [32, 16]]\n");
    const SweepSpec spec = load_sweep(dir / "grid.toml");
    CHECK(spec.metric == "valid.accuracy");
    CHECK(spec.job_seed == 7);
    const std::vector<Trial> trials = expand_sweep(spec);
    REQUIRE(trials.size() == 8);
    CHECK(trials[0].sets() == std::vector<std::string>{"optimizer.lr=0.1", "model.hidden=[16]", "job.seed=7"});
    CHECK(trials[1].sets() == std::vector<std::string>{"optimizer.lr=0.1", "model.hidden=[16]", "job.seed=8"});
    CHECK(trials[2].sets()[1] == "model.hidden=[32, 16]");
    CHECK(trials[7].point == 3);
    CHECK(trials[7].repeat == 1);
    CHECK(trials[7].sets()[0] == "optimizer.lr=0.01");
    CHECK_THAT(trials[0].values[0].origin, ContainsSubstring("grid.toml:5:19"));
  }
  SECTION("a grid range takes count evenly spaced points, in log space when asked") {
    write(dir / "grid.toml",
          "[sweep]\njob = \"job.toml\"\n[sweep.parameters]\n\"optimizer.lr\" = { min = 0.001, max = 0.1, log = true, count = 3 }\n"
          "\"dataset.batch_size\" = { min = 16, max = 64, integer = true, count = 4 }\n");
    const std::vector<Trial> trials = expand_sweep(load_sweep(dir / "grid.toml"));
    REQUIRE(trials.size() == 12);
    CHECK(trials[0].values[0].toml == "0.001");
    CHECK(trials[4].values[0].toml == "0.01");
    CHECK(trials[8].values[0].toml == "0.1");
    CHECK(trials[0].values[1].toml == "16");
    CHECK(trials[1].values[1].toml == "32");
    CHECK(trials[3].values[1].toml == "64");
    CHECK_FALSE(trials[0].seed.has_value());
  }
  SECTION("a random sweep is seeded: the same points every time, other points with another seed") {
    const std::string body = "method = \"random\"\ntrials = 6\n[sweep.parameters]\n"
                             "\"optimizer.lr\" = { min = 1e-4, max = 1e-1, log = true }\n"
                             "\"dataset.batch_size\" = { min = 8, max = 64, integer = true }\n"
                             "\"model.dropout\" = [0.0, 0.1, 0.2]\n";
    write(dir / "a.toml", "[sweep]\njob = \"job.toml\"\nseed = 1\n" + body);
    write(dir / "b.toml", "[sweep]\njob = \"job.toml\"\nseed = 2\n" + body);
    const std::vector<Trial> a = expand_sweep(load_sweep(dir / "a.toml")), again = expand_sweep(load_sweep(dir / "a.toml"));
    const std::vector<Trial> b = expand_sweep(load_sweep(dir / "b.toml"));
    REQUIRE(a.size() == 6);
    bool differs = false;
    for (size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].sets() == again[i].sets());
      differs |= a[i].sets() != b[i].sets();
      const double lr = std::stod(a[i].values[0].toml);
      CHECK(lr >= 1e-4);
      CHECK(lr <= 1e-1);
      const std::string& batch = a[i].values[1].toml;
      CHECK(batch.find_first_not_of("0123456789") == std::string::npos);
      CHECK(std::stoi(batch) >= 8);
      CHECK(std::stoi(batch) <= 64);
      const std::string& dropout = a[i].values[2].toml;
      CHECK((dropout == "0.0" || dropout == "0.1" || dropout == "0.2"));
    }
    CHECK(differs);
    // Point k does not depend on how many are drawn.
    write(dir / "c.toml", "[sweep]\njob = \"job.toml\"\nseed = 1\n" + std::string(body).replace(body.find("trials = 6"), 10, "trials = 3"));
    const std::vector<Trial> c = expand_sweep(load_sweep(dir / "c.toml"));
    REQUIRE(c.size() == 3);
    for (size_t i = 0; i < c.size(); ++i) CHECK(c[i].sets() == a[i].sets());
  }
}

TEST_CASE("a bad sweep is refused with its file, line and column", "[sweeps][validation]") {
  TempDir dir, cache;
  write(dir / "job.toml", small_job(2));
  auto refused = [&](const std::string& sweep) {
    write(dir / "s.toml", sweep);
    try {
      load_sweep(dir / "s.toml");
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    FAIL("the sweep was accepted: " << sweep);
    return std::string();
  };
  CHECK_THAT(refused("[sweep]\njob = \"job.toml\"\nmethd = \"grid\"\n[sweep.parameters]\n\"optimizer.lr\" = [0.1]\n"),
             ContainsSubstring("s.toml:3:1: [sweep] has no key 'methd' (did you mean 'method'?)"));
  CHECK_THAT(refused("[sweep]\njob = \"job.toml\"\nmethod = \"random\"\n[sweep.parameters]\n\"optimizer.lr\" = [0.1]\n"),
             ContainsSubstring("a random sweep needs trials = N"));
  CHECK_THAT(refused("[sweep]\njob = \"job.toml\"\n[sweep.parameters]\n\"optimizer.lr\" = { min = 0.1, max = 1 }\n"),
             ContainsSubstring("s.toml:4:18: 'optimizer.lr': a grid takes a range only with count = N"));
  CHECK_THAT(refused("[sweep]\njob = \"job.toml\"\nmethod = \"random\"\ntrials = 2\n[sweep.parameters]\n"
                     "\"optimizer.lr\" = { min = 0, max = 1, log = true }\n"),
             ContainsSubstring("a log range needs min > 0"));
  CHECK_THAT(refused("[sweep]\njob = \"job.toml\"\n[sweep.parameters]\n\"optimizer.lr\" = []\n"), ContainsSubstring("has no values"));
  CHECK_THAT(refused("[sweep]\njob = \"job.toml\"\nrepeats = 2\n[sweep.parameters]\n\"job.seed\" = [1, 2]\n"),
             ContainsSubstring("'job.seed' is swept and repeats > 1 also sets the seed"));
  CHECK_THAT(refused("[sweep]\njob = \"job.toml\"\n[sweep.parameters]\n\"optimizer.lr=1\" = [1]\n"),
             ContainsSubstring("is not a job key path"));
  CHECK_THAT(refused("[sweep]\njob = \"job.toml\"\n[sweep.parameters]\n\"a\" = { min = 1, max = 2, count = 1000 }\n"
                     "\"b\" = { min = 1, max = 2, count = 1000 }\n"),
             ContainsSubstring("more than 100000"));
  CHECK_THAT(refused("[sweep]\njob = \"job.toml\"\nmetric = \"valid.loss\"\n[sweep.parameters]\n\"optimizer.lr\" = [0.1]\n"),
             ContainsSubstring("is not the job's [train] monitor (\"valid.accuracy\"), whose direction the trials record: set mode"));
  CHECK_THAT(refused("[sweep]\njob = \"job.toml\"\n[model]\nplugin = \"mlp\"\n[sweep.parameters]\n\"optimizer.lr\" = [0.1]\n"),
             ContainsSubstring("holds [sweep] only"));

  SECTION("a trial value the job refuses is named at its line, and nothing is written") {
    write(dir / "s.toml", "[sweep]\njob = \"job.toml\"\n[sweep.parameters]\n\"optimizer.lr\" = [0.1, -1.0]\n\"optimizer.lrr\" = [1]\n");
    const CommandResult r = run_hearth("sweep expand " + (dir / "s.toml").string() + " --out " + (dir / "out").string(), cache.path());
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, ContainsSubstring("the sweep makes jobs that are not valid; nothing was run"));
    CHECK_THAT(r.output, ContainsSubstring("s.toml:4:24: [optimizer] optimizer 'sgd': 'lr' = -1 is below the minimum"));
    CHECK_THAT(r.output, ContainsSubstring("s.toml:5:20: [optimizer] optimizer 'sgd': unknown key 'lrr' (did you mean 'lr'?)"));
    CHECK_FALSE(fs::exists(dir / "out"));
  }
  SECTION("hearth check checks a job's [sweep] too, every trial like the job") {
    write(dir / "with-sweep.toml", small_job(2) + "\n[sweep]\n[sweep.parameters]\n\"optimizer.lr\" = [0.1, 0.05]\n");
    const CommandResult good = run_hearth("check " + (dir / "with-sweep.toml").string(), cache.path());
    CHECK(good.exit_code == 0);
    CHECK_THAT(good.output, ContainsSubstring("OK: [sweep] of 2 trial(s)"));
    write(dir / "bad-sweep.toml", small_job(2) + "\n[sweep]\n[sweep.parameters]\n\"dataset.batch_size\" = [0]\n");
    const CommandResult bad = run_hearth("check " + (dir / "bad-sweep.toml").string(), cache.path());
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.output, ContainsSubstring("bad-sweep.toml:46:25: [dataset]"));
  }
  SECTION("a --set value is blamed on the --set, not on the job's first line") {
    const CommandResult r = run_hearth("check " + (dir / "job.toml").string() + " --set train.epochs=-3", cache.path());
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, ContainsSubstring("--set train.epochs=-3: [train]"));
    CHECK_THAT(r.output, !ContainsSubstring("job.toml:1:5"));
  }
}

TEST_CASE("a damaged or hostile sweep index is refused naming the file", "[sweeps][index]") {
  TempDir dir;
  write(dir / "sweep.json", "{\"format\": 1, \"job\": 3}");
  CHECK_THROWS_WITH(read_sweep_index(dir.path()), ContainsSubstring("sweep.json is damaged at 'job'"));
  write(dir / "job.toml", small_job(2));
  write(dir / "s.toml", "[sweep]\njob = \"job.toml\"\n[sweep.parameters]\n\"optimizer.lr\" = [0.1]\n");
  const SweepSpec spec = load_sweep(dir / "s.toml");
  SweepIndex index = make_sweep_index(spec, expand_sweep(spec), "random-smoke", dir.path(), "test");
  index.trials[0].folder = "trials/../../elsewhere";
  write(dir / "sweep.json", sweep_index_json(index));
  CHECK_THROWS_WITH(read_sweep_index(dir.path()), ContainsSubstring("is not inside the sweep folder"));
  CHECK_THROWS_WITH(read_sweep_index(dir / "nothing"), ContainsSubstring("is not a sweep folder"));
}

TEST_CASE("the task number each scheduler gives picks the trial of --trial auto", "[sweeps][trial]") {
  struct Var {
    const char* name;
    const char* value;
    int64_t trial;
  };
  for (const Var& v : {Var{"SLURM_ARRAY_TASK_ID", "4", 4}, Var{"JOB_COMPLETION_INDEX", "0", 0}, Var{"PARALLEL_SEQ", "3", 2}}) {
    for (const char* other : {"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "PARALLEL_SEQ"}) ::unsetenv(other);
    ::setenv(v.name, v.value, 1);
    const TrialChoice c = choose_trial("auto");
    CHECK(c.trial == v.trial);
    CHECK(c.source == v.name);
    ::unsetenv(v.name);
  }
  CHECK_THROWS_WITH(choose_trial("auto"), ContainsSubstring("none of SLURM_ARRAY_TASK_ID"));
  ::setenv("PARALLEL_SEQ", "0", 1);
  CHECK_THROWS_WITH(choose_trial("auto"), ContainsSubstring("PARALLEL_SEQ='0' is not a task number from 1"));
  ::unsetenv("PARALLEL_SEQ");
  CHECK_THROWS_WITH(choose_trial("-1"), ContainsSubstring("must be a trial number"));
  CHECK(choose_trial("12").trial == 12);
}

TEST_CASE("the median rule stops only a trial worse than the completed trials' median", "[sweeps][prune]") {
  CHECK(median_of({3, 1, 2}) == 2);
  CHECK(median_of({4, 1, 3, 2}) == 2.5);
}

TEST_CASE("hearth sweep runs trials in parallel and reports statistics that match the trials' metrics.csv",
          "[sweeps][local]") {
  TempDir dir, cache;
  write(dir / "job.toml", small_job(2) +
                              "\n[sweep]\nrepeats = 2\n[sweep.parameters]\n\"optimizer.lr\" = [0.1, 0.01]\n");
  const CommandResult r = run_hearth("sweep " + (dir / "job.toml").string() + " --parallel 2", cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const fs::path sweep = single_sweep(dir / "runs");
  CHECK_THAT(r.output, ContainsSubstring("[4/4] trial"));
  CHECK_THAT(r.output, ContainsSubstring("2 at once"));
  for (const char* f : {"sweep.json", "sweep.toml", "trials.csv", "jobs/trial-000.toml", "jobs/trial-003.toml"})
    CHECK(fs::exists(sweep / f));
  CHECK_THAT(read_text(sweep / "jobs/trial-001.toml"), ContainsSubstring("seed = 8"));
  for (int t = 0; t < 4; ++t) CHECK(trial_status(sweep, t) == "completed");

  const CommandResult rep = run_hearth("sweep report " + sweep.string() + " --json", cache.path());
  REQUIRE(rep.exit_code == 0);
  const nlohmann::json report = nlohmann::json::parse(rep.output);
  REQUIRE(report["points"].size() == 2);
  CHECK(report["mode"] == "max");
  for (const nlohmann::json& p : report["points"]) {
    std::vector<double> best;
    for (int t : p["trials"]) {
      char name[32];
      std::snprintf(name, sizeof name, "trial-%03d", t);
      best.push_back(best_in_csv(sweep / "trials" / name / "metrics.csv", "valid.accuracy", true));
    }
    REQUIRE(best.size() == 2);
    const double mean = (best[0] + best[1]) / 2;
    const double sd = std::sqrt(((best[0] - mean) * (best[0] - mean) + (best[1] - mean) * (best[1] - mean)) / 1);
    CHECK(p["mean"].get<double>() == Approx(mean).margin(1e-9));
    CHECK(p["stddev"].get<double>() == Approx(sd).margin(1e-9));
    CHECK(p["min"].get<double>() == Approx(std::min(best[0], best[1])));
    CHECK(p["epochs"].get<double>() == 2);
  }
  CHECK(report["points"][0]["mean"].get<double>() >= report["points"][1]["mean"].get<double>());
  const std::string best_lr = report["points"][0]["values"]["optimizer.lr"];
  CHECK_THAT(report["best_command"].get<std::string>(), ContainsSubstring("--set optimizer.lr=" + best_lr));
  CHECK(csv_rows(sweep / "trials.csv") == 4);
  for (const char* picture : {"params.png", "curves.png", "metric-optimizer.lr.png"}) {
    INFO(picture);
    const PngFacts png = png_facts(sweep / picture);
    CHECK(png.width > 0);
    CHECK(png.colours > 10);
  }

  // A trial is the job with its values set: the same command line reproduces its numbers.
  const nlohmann::json index = json_of(sweep / "sweep.json");
  std::string sets;
  for (const std::string s : index["trials"][1]["sets"]) sets += " --set '" + s + "'";
  const CommandResult again = run_hearth("run " + (dir / "job.toml").string() + sets + " --runs-dir " + (dir / "again").string(), cache.path());
  REQUIRE(again.exit_code == 0);
  CHECK(read_text(single_run(dir / "again") / "metrics.csv") == read_text(sweep / "trials/trial-001/metrics.csv"));

  const CommandResult text = run_hearth("sweep report " + sweep.string() + " --markdown", cache.path());
  CHECK_THAT(text.output, ContainsSubstring("| rank | point | optimizer.lr | mean | sd |"));
}

TEST_CASE("a sweep stopped by Ctrl-C or killed resumes without running finished trials again", "[sweeps][resume]") {
  TempDir dir, cache;
  // Trials of a few seconds each, one at a time.
  write(dir / "job.toml", small_job(3) + "\n[sweep]\n[sweep.parameters]\n\"optimizer.lr\" = [0.1, 0.05, 0.02]\n"
                                         "\"dataset.train_samples\" = [3000]\n\"dataset.batch_size\" = [8]\n");
  const BackgroundHearth h = start_hearth("sweep " + (dir / "job.toml").string(), cache.path(), dir.path());
  // Until trial 0 has finished and trial 1 has an epoch.
  fs::path sweep;
  for (int i = 0; i < 1200 && !h.ended(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (sweep.empty() && fs::exists(dir / "runs/random-smoke/sweeps")) {
      for (const auto& e : fs::directory_iterator(dir / "runs/random-smoke/sweeps"))
        if (e.path().filename().string()[0] != '.') sweep = e.path();
    }
    if (!sweep.empty() && trial_status(sweep, 0) == "completed" && fs::exists(sweep / "trials/trial-001/metrics.csv") &&
        csv_rows(sweep / "trials/trial-001/metrics.csv") >= 1)
      break;
  }
  REQUIRE_FALSE(h.ended());
  REQUIRE_FALSE(sweep.empty());
  const std::string finished_info = read_text(sweep / "trials/trial-000/run.json");

  SECTION("Ctrl-C: the running trial writes `last` and stops; resume finishes the rest") {
    ::kill(static_cast<pid_t>(std::stoll(read_text(h.pid))), SIGINT);
    REQUIRE(h.wait(60));
    CHECK(h.exit_code() == 130);
    CHECK_THAT(read_text(h.out), ContainsSubstring("hearth sweep resume"));
    CHECK(trial_status(sweep, 1) == "interrupted");
    CHECK(trial_status(sweep, 2) == "pending");
  }
  SECTION("SIGKILL of the sweep and its running trial: resume picks them up from `last`") {
    const nlohmann::json running = json_of(sweep / "trials/trial-001/run.json");
    ::kill(static_cast<pid_t>(std::stoll(read_text(h.pid))), SIGKILL);
    const pid_t trial = static_cast<pid_t>(running["process"]["pid"].get<int64_t>());
    ::kill(trial, SIGKILL);
    REQUIRE(h.wait(20));
    // Gone, or a zombie its dead parent left (which counts as ended, not as running).
    for (int i = 0; i < 100 && ::kill(trial, 0) == 0 && read_text("/proc/" + std::to_string(trial) + "/stat").find(") Z") == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const CommandResult r = run_hearth("sweep resume " + sweep.string(), cache.path());
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, ContainsSubstring("2 of 3 trial(s) to run"));
  for (int t = 0; t < 3; ++t) CHECK(trial_status(sweep, t) == "completed");
  CHECK(read_text(sweep / "trials/trial-000/run.json") == finished_info);
  CHECK(json_of(sweep / "trials/trial-001/run.json")["resumes"].size() == 1);
  CHECK(csv_rows(sweep / "trials/trial-001/metrics.csv") == 3);
}

TEST_CASE("array tasks: --trial auto under each scheduler's variable, and GNU parallel end to end", "[sweeps][array]") {
  TempDir dir, cache;
  write(dir / "job.toml", small_job(2));
  write(dir / "s.toml", "[sweep]\njob = \"job.toml\"\n[sweep.parameters]\n\"optimizer.lr\" = [0.1, 0.05, 0.02, 0.01]\n");
  const fs::path sweep = dir / "expanded";
  const CommandResult e = run_hearth("sweep expand " + (dir / "s.toml").string() + " --out " + sweep.string() + " --slurm", cache.path());
  REQUIRE(e.exit_code == 0);
  CHECK_THAT(read_text(sweep / "sweep.sbatch"), ContainsSubstring("#SBATCH --array=0-3"));
  CHECK_THAT(read_text(sweep / "sweep.sbatch"), ContainsSubstring("run --trial auto"));

  const CommandResult slurm = run_hearth_with("SLURM_ARRAY_TASK_ID=3", "run --trial auto " + sweep.string(), cache.path());
  INFO(slurm.output);
  CHECK(slurm.exit_code == 0);
  CHECK(trial_status(sweep, 3) == "completed");
  CHECK(json_of(sweep / "trials/trial-003/run.json")["sweep"]["trial"] == 3);
  const CommandResult k8s = run_hearth_with("JOB_COMPLETION_INDEX=0", "run --trial auto " + sweep.string(), cache.path());
  CHECK(k8s.exit_code == 0);
  CHECK(trial_status(sweep, 0) == "completed");
  const CommandResult twice = run_hearth("run --trial 0 " + sweep.string(), cache.path());
  CHECK(twice.exit_code == 0);
  CHECK_THAT(twice.output, ContainsSubstring("is already completed"));
  const CommandResult none = run_hearth("run --trial auto " + sweep.string(), cache.path());
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.output, ContainsSubstring("none of SLURM_ARRAY_TASK_ID"));
  CHECK(run_hearth("run --trial 9 " + sweep.string(), cache.path()).exit_code == 2);
  const CommandResult elsewhere = run_hearth("run --trial 1 " + sweep.string() + " --runs-dir " + (dir / "x").string(), cache.path());
  CHECK(elsewhere.exit_code == 2);
  CHECK_THAT(elsewhere.output, ContainsSubstring("--runs-dir does not apply"));

  // GNU parallel runs what is left (trials 1 and 2) and skips what is done, two at a time.
  const CommandResult gnu = run_command("cd '" + dir.path().string() + "' && env -u HEARTH_PLUGIN_PATH HEARTH_CACHE_DIR='" +
                                        cache.path().string() + "' parallel --will-cite --joblog joblog -j 2 -N0 '" HEARTH_EXE
                                        "' run --trial auto '" + sweep.string() + "' ::: 1 2 3 4");
  INFO(gnu.output);
  CHECK(gnu.exit_code == 0);
  for (int t = 0; t < 4; ++t) CHECK(trial_status(sweep, t) == "completed");
  CHECK(csv_rows(dir / "joblog") == 4);
  const CommandResult rep = run_hearth("sweep report " + sweep.string(), cache.path());
  CHECK_THAT(rep.output, ContainsSubstring("trials: 4 completed"));
}

TEST_CASE("the median rule prunes trials that are clearly worse, after the warm-up", "[sweeps][prune]") {
  TempDir dir, cache;
  write(dir / "job.toml", small_job(4) + "\n[sweep]\nrepeats = 2\n[sweep.parameters]\n\"optimizer.lr\" = [0.1, 1e-7]\n"
                                         "[sweep.prune]\nrule = \"median\"\nwarmup = 1\nmin_trials = 2\n");
  const CommandResult r = run_hearth("sweep " + (dir / "job.toml").string(), cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const fs::path sweep = single_sweep(dir / "runs");
  // The good point ran first and completed; the bad one was stopped at the first epoch it could be.
  for (int t : {0, 1}) {
    CHECK(trial_status(sweep, t) == "completed");
    CHECK(csv_rows(sweep / ("trials/trial-00" + std::to_string(t) + "/metrics.csv")) == 4);
  }
  for (int t : {2, 3}) {
    const fs::path trial = sweep / ("trials/trial-00" + std::to_string(t));
    CHECK(trial_status(sweep, t) == "pruned");
    CHECK(csv_rows(trial / "metrics.csv") == 2);
    CHECK_THAT(json_of(trial / "run.json")["pruned"].get<std::string>(), ContainsSubstring("worse than the median"));
    CHECK(fs::exists(trial / "checkpoints/last.pt"));
  }
  CHECK_THAT(r.output, ContainsSubstring("2 completed, 2 pruned"));
}

TEST_CASE("a report over a failed and a running trial says which is which", "[sweeps][report]") {
  TempDir dir, cache;
  write(dir / "job.toml", small_job(2));
  write(dir / "s.toml", "[sweep]\njob = \"job.toml\"\n[sweep.parameters]\n\"optimizer.lr\" = [0.1, 1e6, 0.05]\n");
  const fs::path sweep = dir / "expanded";
  REQUIRE(run_hearth("sweep expand " + (dir / "s.toml").string() + " --out " + sweep.string(), cache.path()).exit_code == 0);
  CHECK(run_hearth("run --trial 0 " + sweep.string(), cache.path()).exit_code == 0);
  CHECK(run_hearth("run --trial 1 " + sweep.string(), cache.path()).exit_code == 1);
  // Trial 2 made slow with a --set of its own, and reported while it trains.
  const BackgroundHearth h = start_hearth("run --trial 2 " + sweep.string() + " --set train.epochs=400", cache.path(), dir.path());
  for (int i = 0; i < 600 && trial_status(sweep, 2) != "running"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(trial_status(sweep, 2) == "running");
  const CommandResult rep = run_hearth("sweep report " + sweep.string() + " --no-pictures", cache.path());
  INFO(rep.output);
  CHECK(rep.exit_code == 0);
  CHECK_THAT(rep.output, ContainsSubstring("1 completed, 1 failed, 1 running"));
  CHECK_THAT(rep.output, ContainsSubstring("trial 1 (optimizer.lr=1000000.0): failed:"));
  CHECK_THAT(rep.output, ContainsSubstring("NaN"));
  CHECK_THAT(rep.output, !ContainsSubstring("trial 2 (optimizer.lr=0.05): "));
  const nlohmann::json j = nlohmann::json::parse(run_hearth("sweep report " + sweep.string() + " --json --no-pictures", cache.path()).output);
  CHECK(j["trials"][2]["status"] == "running");
  CHECK(j["trials"][1]["status"] == "failed");
  ::kill(static_cast<pid_t>(std::stoll(read_text(h.pid))), SIGINT);
  REQUIRE(h.wait(60));
  CHECK(trial_status(sweep, 2) == "interrupted");
}

TEST_CASE("the Optuna recipe drives hearth run and reads each trial's result", "[sweeps][optuna]") {
  TempDir dir, cache;
  write(dir / "job.toml", small_job(2));
  const std::string script = std::string(HEARTH_SOURCE_DIR) + "/assets/sweeps/optuna_study.py";
  const CommandResult r = run_command("env -u HEARTH_PLUGIN_PATH HEARTH_CACHE_DIR='" + cache.path().string() + "' /usr/bin/python3 '" +
                                      script + "' '" + (dir / "job.toml").string() + "' '" + (dir / "study").string() +
                                      "' --trials 3 --hearth '" HEARTH_EXE "'");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json best = json_of(dir / "study/best.json");
  CHECK(best["trials"] == 3);
  const nlohmann::json info = json_of(fs::path(best["run"].get<std::string>()) / "run.json");
  CHECK(info["best"]["value"].get<double>() == best["value"].get<double>());
  CHECK_THAT(info["command_line"].get<std::string>(), ContainsSubstring("--set optimizer.lr="));
  for (const char* t : {"trial-000", "trial-001", "trial-002"}) CHECK(fs::exists(dir / "study" / t));
}

TEST_CASE("GNU parallel --resume-failed runs trials its --timeout stopped again, from their last", "[sweeps][array]") {
  TempDir dir, cache;
  write(dir / "job.toml", small_job(3));
  write(dir / "s.toml", "[sweep]\njob = \"job.toml\"\n[sweep.parameters]\n\"optimizer.lr\" = [0.1, 0.05]\n"
                        "\"dataset.train_samples\" = [12000]\n\"dataset.batch_size\" = [8]\n");
  const fs::path sweep = dir / "expanded";
  REQUIRE(run_hearth("sweep expand " + (dir / "s.toml").string() + " --out " + sweep.string(), cache.path()).exit_code == 0);
  const std::string parallel = "cd '" + dir.path().string() + "' && env -u HEARTH_PLUGIN_PATH HEARTH_CACHE_DIR='" +
                               cache.path().string() + "' parallel --will-cite --joblog joblog -j 2 ";
  // Twenty epochs of a second or so: long enough for --timeout to stop them part-way.
  const std::string trials = " '" HEARTH_EXE "' run --trial {} '" + sweep.string() + "' --set train.epochs=20 ::: 0 1";
  // Stopped part-way: SIGTERM, as a scheduler's time limit sends it; each trial writes `last`.
  const CommandResult cut = run_command(parallel + "--timeout 3 --termseq TERM,20000,KILL,25" + trials);
  INFO(cut.output);
  CHECK(cut.exit_code != 0);
  CHECK(trial_status(sweep, 0) == "interrupted");
  CHECK(trial_status(sweep, 1) == "interrupted");
  const CommandResult again = run_command(parallel + "--resume-failed" + trials);
  INFO(again.output);
  CHECK(again.exit_code == 0);
  for (int t = 0; t < 2; ++t) {
    CHECK(trial_status(sweep, t) == "completed");
    char name[32];
    std::snprintf(name, sizeof name, "trial-%03d", t);
    CHECK(json_of(sweep / "trials" / name / "run.json")["resumes"].size() == 1);
    CHECK(csv_rows(sweep / "trials" / name / "metrics.csv") == 20);
  }
}

TEST_CASE("a sweep expand killed before any step that writes leaves no sweep folder or a whole one", "[sweeps][kill]") {
  TempDir dir, cache;
  write(dir / "job.toml", small_job(2));
  write(dir / "s.toml", "[sweep]\njob = \"job.toml\"\nrepeats = 2\n[sweep.parameters]\n\"optimizer.lr\" = [0.1, 0.05]\n");
  const fs::path work = dir / "sweeps", out = work / "one", log = dir / "steps.log";
  fs::create_directories(work);
  auto kill_at = [&](size_t at, bool logged) {
    return "HEARTH_KILL_DIR='" + work.string() + "' HEARTH_KILL_AT=" + std::to_string(at) +
           (logged ? " HEARTH_KILL_LOG='" + log.string() + "'" : "") + " LD_PRELOAD='" HEARTH_KILL_STEP_LIB "'";
  };
  const std::string expand = "sweep expand " + (dir / "s.toml").string() + " --out " + out.string();
  REQUIRE(run_hearth_with(kill_at(0, true), expand, cache.path()).exit_code == 0);
  const size_t steps = csv_rows(log) + 1;
  INFO(read_text(log));
  REQUIRE(steps > 10);
  for (size_t at = 1; at <= steps; ++at) {
    fs::remove_all(out);
    const CommandResult r = run_hearth_with(kill_at(at, false), expand, cache.path());
    INFO("killed before step " << at << " of " << steps << ": " << r.output);
    CHECK(r.exit_code == 137);
    if (!fs::exists(out)) continue;
    // Seen, so whole: its index reads, and every trial's job is there.
    const SweepIndex index = read_sweep_index(out);
    CHECK(index.trials.size() == 4);
    for (const char* f : {"sweep.toml", "trials.csv", "jobs/trial-000.toml", "jobs/trial-003.toml"}) CHECK(fs::exists(out / f));
  }
  // What a killed expand left hidden is cleared by the next one.
  fs::remove_all(out);
  REQUIRE(run_hearth(expand, cache.path()).exit_code == 0);
  for (const auto& e : fs::directory_iterator(work)) CHECK(e.path().filename().string()[0] != '.');
}
