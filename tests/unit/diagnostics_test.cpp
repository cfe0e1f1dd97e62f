// [[diagnostics]]: when they run, what they write (pictures, TensorBoard records decoded with
// TensorBoard's own field numbers, scalars, run.json), that they leave training as it was, and
// that one that throws is named and left out while the run completes.
#include "unit/catch.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "engine/jobs/diagnostic_samples.hpp"
#include "engine/runs/checkpoint.hpp"
#include "engine/runs/diagnostic_files.hpp"
#include "engine/runs/diagnostic_scalars.hpp"
#include "engine/runs/run_metrics.hpp"
#include "unit/picture_check.hpp"
#include "unit/test_support.hpp"

using namespace hearth::test;

namespace {

const std::string kSmokeJob = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";

nlohmann::json run_record(const fs::path& run) { return nlohmann::json::parse(read_text(run / "run.json")); }

/// The files in `folder`, by name.
std::vector<std::string> names_in(const fs::path& folder) {
  std::vector<std::string> names;
  if (fs::is_directory(folder))
    for (const auto& e : fs::directory_iterator(folder)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// The run's TensorBoard values as tests/python/tensorboard_events.py decodes them.
std::vector<nlohmann::json> tensorboard_values(const fs::path& run) {
  fs::path events;
  for (const auto& e : fs::directory_iterator(run))
    if (e.path().filename().string().rfind("events.out.tfevents.", 0) == 0) events = e.path();
  REQUIRE(!events.empty());
  TempDir work;
  CommandResult r = run_command("/usr/bin/python3 " + std::string(HEARTH_SOURCE_DIR) + "/tests/python/tensorboard_events.py '" +
                                events.string() + "' '" + work.path().string() + "'");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::vector<nlohmann::json> values;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) values.push_back(nlohmann::json::parse(line));
  return values;
}

}  // namespace

TEST_CASE("diagnostics every 2 epochs of 6 write 3 pictures each, TensorBoard images, histograms and their time",
          "[diagnostics]") {
  TempDir runs, cache;
  CommandResult r = run_hearth("run " + kSmokeJob + " --runs-dir " + runs.path().string() +
                                   " --set \"diagnostics=[{plugin='confusion', every=2}, {plugin='weights', every=2},"
                                   " {plugin='predictions', every=2, samples=12, width=400, height=300}]\"",
                               cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const fs::path run = single_run(runs.path());
  const std::vector<std::string> epochs = {"epoch-002.png", "epoch-004.png", "epoch-006.png"};
  for (const char* name : {"confusion", "weights", "predictions"}) {
    INFO(name);
    CHECK(names_in(run / "diagnostics" / name) == epochs);
    for (const std::string& e : epochs) {
      PngFacts png = png_facts(run / "diagnostics" / name / e);
      CHECK(png.width == (std::string(name) == "predictions" ? 400 : 800));
      CHECK(png.colours > 4);  // drawn, not a blank page
    }
  }
  // run.json: the diagnostics' time at the epochs they ran, none at the others.
  nlohmann::json record = run_record(run);
  REQUIRE(record["timing"].size() == 6);
  for (const auto& t : record["timing"])
    CHECK(t.contains("diagnostics_seconds") == (t["epoch"].get<int>() % 2 == 0));
  CHECK(record["status"] == "completed");
  CHECK(!record.contains("diagnostic_failures"));

  std::map<std::string, int> images, histograms;
  std::set<int64_t> image_steps;
  for (const nlohmann::json& v : tensorboard_values(run)) {
    if (v["kind"] == "image") {
      ++images[v["tag"].get<std::string>()];
      image_steps.insert(v["step"].get<int64_t>());
      CHECK(v["png"] == true);
      CHECK(v["colorspace"] == 4);
    }
    if (v["kind"] == "histo") {
      ++histograms[v["tag"].get<std::string>()];
      CHECK(v["counted"].get<double>() == v["num"].get<double>());  // every value in a bucket
      CHECK(v["buckets"] == v["limits"]);
    }
  }
  CHECK(images == std::map<std::string, int>{
                      {"diagnostics/confusion", 3}, {"diagnostics/predictions", 3}, {"diagnostics/weights", 3}});
  CHECK(image_steps == std::set<int64_t>{2, 4, 6});
  // The MLP's two layers: weight and bias, each with its gradient, at 3 epochs.
  CHECK(histograms["weights/linear0.weight"] == 3);
  CHECK(histograms["weights/linear0.weight.grad"] == 3);
  CHECK(histograms["weights/output.bias"] == 3);

  const std::string scalars = read_text(run / "diagnostics" / "scalars.csv");
  CHECK(scalars.rfind("epoch,diagnostic,name,value\n", 0) == 0);
  CHECK(scalars.find("2,confusion,accuracy,") != std::string::npos);
  CHECK(scalars.find("6,predictions,accuracy,") != std::string::npos);
  CHECK(scalars.find("2,weights,linear0.weight.update_ratio") == std::string::npos);  // nothing to compare with yet
  CHECK(scalars.find("4,weights,linear0.weight.update_ratio") != std::string::npos);
  // They join the run's table where every reader sees them (hearth runs show, plots, the studio).
  const hearth::MetricsTable table = hearth::read_run_metrics(run);
  const std::vector<double> accuracy = table.column("diagnostics.confusion.accuracy");
  REQUIRE(accuracy.size() == 6);
  for (size_t e = 0; e < 6; ++e) CHECK(std::isnan(accuracy[e]) == (e % 2 == 0));
  CommandResult show = run_hearth("runs show '" + run.string() + "'", cache.path());
  INFO(show.output);
  CHECK_THAT(show.output, ContainsSubstring("diagnostics.confusion.accuracy"));
  CHECK_THAT(show.output, ContainsSubstring("diagnostics.weights.linear0.weight.update_ratio"));
}

TEST_CASE("diagnostics leave training as it was: the same metrics.csv and checkpoints with and without them",
          "[diagnostics][reproducible]") {
  // The smoke job's MLP has dropout: a diagnostic drawing random numbers or adding to gradients
  // would change what follows, unless the host puts both back.
  TempDir plain, watched, cache;
  REQUIRE(run_hearth("run " + kSmokeJob + " --runs-dir " + plain.path().string(), cache.path()).exit_code == 0);
  CommandResult r = run_hearth("run " + kSmokeJob + " --runs-dir " + watched.path().string() + " --plugin-path " +
                                   test_plugin_dir("throwing").string() +
                                   " --set \"diagnostics=[{plugin='meddler'}, {plugin='weights', every=3}]\"",
                               cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const fs::path a = single_run(plain.path()), b = single_run(watched.path());
  CHECK(read_text(a / "metrics.csv") == read_text(b / "metrics.csv"));
  const hearth::CheckpointState ca = hearth::load_checkpoint(a / "checkpoints" / "last.pt");
  const hearth::CheckpointState cb = hearth::load_checkpoint(b / "checkpoints" / "last.pt");
  CHECK(ca.model == cb.model);  // (optimizer archives name parameters by address: they differ by process)
  CHECK(ca.rng.equal(cb.rng));
  CHECK(read_text(b / "diagnostics" / "scalars.csv").find("6,meddler,noise,") != std::string::npos);
  CHECK(names_in(b / "diagnostics" / "meddler").empty());  // it draws nothing
}

TEST_CASE("a diagnostic that throws is named, recorded and left out, and the run completes", "[diagnostics]") {
  TempDir runs, cache;
  CommandResult r = run_hearth("run " + kSmokeJob + " --runs-dir " + runs.path().string() + " --plugin-path " +
                                   test_plugin_dir("throwing").string() +
                                   " --set \"diagnostics=[{plugin='throws_at', at=3}, {plugin='confusion', every=3}]\"",
                               cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, ContainsSubstring("diagnostic throws_at (throwing_pack:throws_at) failed after epoch 3 and is left out "
                                         "for the rest of the run: plugin " +
                                         (test_plugin_dir("throwing") / "libthrowing.so").string() +
                                         ", diagnostic 'throws_at': run failed: planned diagnostic failure at epoch 3"));
  const fs::path run = single_run(runs.path());
  nlohmann::json record = run_record(run);
  CHECK(record["status"] == "completed");
  REQUIRE(record["diagnostic_failures"].size() == 1);
  CHECK(record["diagnostic_failures"][0]["diagnostic"] == "throws_at");
  CHECK(record["diagnostic_failures"][0]["plugin"] == "throwing_pack:throws_at");
  CHECK(record["diagnostic_failures"][0]["epoch"] == 3);
  CHECK(names_in(run / "diagnostics" / "throws_at") == std::vector<std::string>{"epoch-001.png", "epoch-002.png"});
  // The other diagnostic went on.
  CHECK(names_in(run / "diagnostics" / "confusion") == std::vector<std::string>{"epoch-003.png", "epoch-006.png"});
}

TEST_CASE("a diagnostics table is checked like every module table", "[diagnostics][validation]") {
  TempDir cache;
  CommandResult unknown = run_hearth("check " + kSmokeJob + " --set \"diagnostics=[{plugin='confusoin'}]\"", cache.path());
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.output, ContainsSubstring("confusion"));  // did you mean
  CommandResult zero = run_hearth("check " + kSmokeJob + " --set \"diagnostics=[{plugin='confusion', every=0}]\"", cache.path());
  CHECK(zero.exit_code == 2);
  CHECK_THAT(zero.output, ContainsSubstring("every"));
  CommandResult split = run_hearth("check " + kSmokeJob + " --set \"diagnostics=[{plugin='weights', split='vlaid'}]\"",
                                   cache.path());
  CHECK(split.exit_code == 2);
  CHECK_THAT(split.output, ContainsSubstring("valid"));
}

TEST_CASE("a diagnostic's samples are the same at every call, distinct, and its own", "[diagnostics]") {
  const std::vector<int64_t> a = hearth::chosen_positions(60000, 64, 7, "latent");
  CHECK(a.size() == 64);
  CHECK(std::is_sorted(a.begin(), a.end()));
  CHECK(std::adjacent_find(a.begin(), a.end()) == a.end());
  CHECK(a.front() >= 0);
  CHECK(a.back() < 60000);
  CHECK(hearth::chosen_positions(60000, 64, 7, "latent") == a);
  CHECK(hearth::chosen_positions(60000, 64, 7, "saliency") != a);
  CHECK(hearth::chosen_positions(60000, 64, 8, "latent") != a);
  // Spread over the split, not its start.
  CHECK(a.back() > 30000);
  const std::vector<int64_t> all = hearth::chosen_positions(5, 64, 7, "latent");
  CHECK(all == std::vector<int64_t>{0, 1, 2, 3, 4});
}

TEST_CASE("latent's principal components of the MLP's hidden layer equal NumPy's, and its t-SNE map keeps neighbours",
          "[diagnostics][latent]") {
  TempDir runs, cache;
  CommandResult r = run_hearth("run " + std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/fashion-mnist-mlp.toml --runs-dir " +
                                   runs.path().string() +
                                   " --set train.epochs=1 --set train.max_steps=40"
                                   " --set \"diagnostics=[{plugin='latent', layer='hidden1', samples=300},"
                                   " {plugin='latent', layer='hidden1', samples=300, method='tsne', perplexity=20}]\"",
                               cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const fs::path folder = single_run(runs.path()) / "diagnostics" / "latent";
  CHECK(names_in(folder) ==
        std::vector<std::string>{"epoch-001.activations.npy", "epoch-001.coordinates.npy", "epoch-001.png"});
  CommandResult numpy = run_command("/usr/bin/python3 " + std::string(HEARTH_SOURCE_DIR) + "/tests/python/pca_check.py '" +
                                    (folder / "epoch-001.activations.npy").string() + "' '" +
                                    (folder / "epoch-001.coordinates.npy").string() + "'");
  INFO(numpy.output);
  REQUIRE(numpy.exit_code == 0);
  nlohmann::json facts = nlohmann::json::parse(numpy.output);
  CHECK(facts["activations"] == nlohmann::json::array({300, 128}));  // hidden = [256, 128]
  CHECK(facts["coordinates"] == nlohmann::json::array({300, 2}));
  CHECK(facts["relative_difference"].get<double>() < 1e-9);  // both in float64
  const std::string scalars = read_text(single_run(runs.path()) / "diagnostics" / "scalars.csv");
  CHECK(scalars.find("1,latent,explained_1,") != std::string::npos);

  // t-SNE: NumPy's own affinities give the KL divergence the diagnostic recorded, and the map keeps
  // far more of each sample's nearest neighbours than the two principal axes do.
  const fs::path tsne = single_run(runs.path()) / "diagnostics" / "latent_1";
  CommandResult check = run_command("/usr/bin/python3 " + std::string(HEARTH_SOURCE_DIR) + "/tests/python/tsne_check.py '" +
                                    (tsne / "epoch-001.activations.npy").string() + "' '" + (tsne / "epoch-001.coordinates.npy").string() +
                                    "' 20");
  INFO(check.output);
  REQUIRE(check.exit_code == 0);
  facts = nlohmann::json::parse(check.output);
  const hearth::MetricsTable table = hearth::read_run_metrics(single_run(runs.path()));
  REQUIRE(table.index_of("diagnostics.latent_1.kl_divergence"));
  CHECK(table.rows[0][*table.index_of("diagnostics.latent_1.kl_divergence")] == Approx(facts["kl"].get<double>()).epsilon(1e-9));
  CHECK(facts["kept_tsne"].get<double>() > facts["kept_pca"].get<double>() + 0.1);
}

TEST_CASE("a diagnostic reading a tap point the model lacks fails hearth check and the run, with the model's points",
          "[diagnostics][validation]") {
  TempDir runs, cache;
  const std::string sets = " --set \"diagnostics=[{plugin='latent', layer='hiden0'}]\"";
  CommandResult check = run_hearth("check " + kSmokeJob + sets, cache.path());
  CHECK(check.exit_code == 2);
  CHECK_THAT(check.output, ContainsSubstring("[diagnostics[0]] latent reads tap point 'hiden0', which model 'mlp' does not "
                                             "have; its tap points: hidden0 (did you mean 'hidden0'?)"));
  CommandResult run = run_hearth("run " + kSmokeJob + " --runs-dir " + runs.path().string() + sets, cache.path());
  CHECK(run.exit_code == 2);
  CHECK_THAT(run.output, ContainsSubstring("reads tap point 'hiden0'"));
  CHECK(run_hearth("check " + kSmokeJob + " --set \"diagnostics=[{plugin='latent', layer='hidden0'}]\"", cache.path())
            .exit_code == 0);
}

TEST_CASE("saliency's input gradients equal PyTorch's autograd.grad on the exported model", "[diagnostics][saliency]") {
  TempDir runs, out, cache;
  CommandResult r = run_hearth("run " + kSmokeJob + " --runs-dir " + runs.path().string() +
                                   " --set \"diagnostics=[{plugin='saliency', every=6, samples=40}]\"",
                               cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const fs::path run = single_run(runs.path());
  const fs::path folder = run / "diagnostics" / "saliency";
  CHECK(names_in(folder) ==
        std::vector<std::string>{"epoch-006.gradients.npy", "epoch-006.inputs.npy", "epoch-006.png"});
  // Epoch 6 is the last: its diagnostics saw the weights of the `last` checkpoint.
  CommandResult exported = run_hearth("export " + run.string() + " --format torchscript --checkpoint last --out " +
                                          out.path().string(),
                                      cache.path());
  INFO(exported.output);
  REQUIRE(exported.exit_code == 0);
  CommandResult torch = run_command("/usr/bin/python3 " + std::string(HEARTH_SOURCE_DIR) + "/tests/python/saliency_check.py '" +
                                    (out / "model.torchscript.pt").string() + "' '" +
                                    (folder / "epoch-006.inputs.npy").string() + "' '" +
                                    (folder / "epoch-006.gradients.npy").string() + "'");
  INFO(torch.output);
  REQUIRE(torch.exit_code == 0);
  nlohmann::json facts = nlohmann::json::parse(torch.output.substr(torch.output.find('{')));
  CHECK(facts["shape"] == nlohmann::json::array({40, 8}));
  CHECK(facts["relative_difference"].get<double>() < 1e-5);
}

TEST_CASE("TensorBoard's HParams records hold the resolved job's keys against the best monitored value",
          "[diagnostics][tensorboard]") {
  TempDir runs, cache;
  REQUIRE(run_hearth("run " + kSmokeJob + " --runs-dir " + runs.path().string() + " --set optimizer.lr=0.05", cache.path())
              .exit_code == 0);
  const fs::path run = single_run(runs.path());
  std::map<std::string, nlohmann::json> hparams;
  int best_values = 0;
  for (const nlohmann::json& v : tensorboard_values(run)) {
    if (v["kind"].get<std::string>().rfind("hparams.", 0) == 0) hparams[v["kind"].get<std::string>()] = v;
    if (v["tag"] == "best/valid.accuracy") ++best_values;
  }
  REQUIRE(hparams.size() == 3);
  const nlohmann::json& experiment = hparams["hparams.experiment"];
  CHECK(experiment["metrics"] == nlohmann::json::array({"best/valid.accuracy"}));
  CHECK(experiment["hparams"]["optimizer.lr"] == 3);     // DATA_TYPE_FLOAT64
  CHECK(experiment["hparams"]["model.plugin"] == 1);     // DATA_TYPE_STRING
  CHECK(experiment["hparams"]["losses[0].plugin"] == 1);
  const nlohmann::json& values = hparams["hparams.session_start_info"]["values"];
  CHECK(values["optimizer.lr"] == 0.05);
  CHECK(values["train.epochs"] == 6);
  CHECK(values["model.plugin"] == "builtin:mlp");
  CHECK(hparams["hparams.session_end_info"]["status"] == 1);  // STATUS_SUCCESS
  CHECK(best_values == 6);
}

TEST_CASE("diagnostics/scalars.csv reads back what was appended, a repeated epoch counts its later rows, damage is named",
          "[diagnostics][runs]") {
  TempDir dir;
  const fs::path file = dir / "diagnostics" / "scalars.csv";
  CHECK(hearth::read_diagnostic_scalars(file).empty());
  hearth::append_diagnostic_scalars(file, "confusion", 2, {{"accuracy", 0.1}, {"other", 1e-300}});
  hearth::append_diagnostic_scalars(file, "confusion", 4, {{"accuracy", 0.5}});
  hearth::append_diagnostic_scalars(file, "confusion", 4, {{"accuracy", 0.75}});  // a resume ran epoch 4 again
  auto rows = hearth::read_diagnostic_scalars(file);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].value == 0.1);  // the shortest text that reads back exactly
  CHECK(rows[1].value == 1e-300);
  CHECK((rows[2].epoch == 4 && rows[2].value == 0.75));
  std::ofstream(file, std::ios::app) << "5,confusion,accuracy,zero\n";
  CHECK_THROWS_WITH(hearth::read_diagnostic_scalars(file), ContainsSubstring("scalars.csv:6: not a row of"));
  CHECK(hearth::read_diagnostic_scalars(file, hearth::DamagedRows::skip).size() == 3);
}

TEST_CASE("a run's table joins its diagnostics' numbers as columns at the epochs they ran", "[diagnostics][runs]") {
  TempDir run;
  std::ofstream(run / "metrics.csv") << "epoch,step,lr,train.loss\n1,10,0.1,0.9\n2,20,0.1,0.8\n3,30,0.1,0.7\n";
  CHECK(hearth::read_run_metrics(run.path()).columns == std::vector<std::string>{"epoch", "step", "lr", "train.loss"});
  const fs::path scalars = hearth::diagnostic_scalars_file(run.path());
  hearth::append_diagnostic_scalars(scalars, "weights", 2, {{"fc.update_ratio", 0.5}});
  hearth::append_diagnostic_scalars(scalars, "confusion", 3, {{"accuracy", 0.75}});
  hearth::append_diagnostic_scalars(scalars, "confusion", 4, {{"accuracy", 0.8}});  // an epoch metrics.csv dropped on resume
  const hearth::MetricsTable table = hearth::read_run_metrics(run.path());
  CHECK(table.columns == std::vector<std::string>{"epoch", "step", "lr", "train.loss", "diagnostics.confusion.accuracy",
                                                  "diagnostics.weights.fc.update_ratio"});
  REQUIRE(table.rows.size() == 3);
  const std::vector<double> accuracy = table.column("diagnostics.confusion.accuracy"), ratio = table.column("diagnostics.weights.fc.update_ratio");
  CHECK((std::isnan(accuracy[0]) && std::isnan(accuracy[1]) && accuracy[2] == 0.75));
  CHECK((std::isnan(ratio[0]) && ratio[1] == 0.5 && std::isnan(ratio[2])));
  std::ofstream(scalars, std::ios::app) << "3,weights,fc.upd";  // being written
  CHECK_THROWS_WITH(hearth::read_run_metrics(run.path()), ContainsSubstring("scalars.csv:5"));
  CHECK(hearth::read_run_metrics(run.path(), hearth::DamagedRows::skip).columns.size() == 6);
}

TEST_CASE("a module pack carries a diagnostic: built, installed, listed and run by a job", "[diagnostics][packs]") {
  TempDir dir, cache, runs;
  fs::create_directories(dir / "src" / "lib");
  std::ofstream(dir / "src" / "pack.toml") << "name = \"looks\"\nversion = \"1.0.0\"\nsummary = \"a diagnostic\"\n";
  fs::copy_file(test_plugin_dir("skeletons") / "libskeleton_diagnostic.so", dir / "src" / "lib" / "libskeleton_diagnostic.so");
  REQUIRE(run_hearth("pack build '" + (dir / "src").string() + "' --out '" + (dir / "looks.hpack").string() + "'", cache.path()).exit_code == 0);
  CommandResult install = run_hearth("pack install '" + (dir / "looks.hpack").string() + "' --allow-unsigned --into '" + (dir / "packs").string() + "'",
                                     cache.path());
  INFO(install.output);
  REQUIRE(install.exit_code == 0);
  const std::string path = " --plugin-path '" + (dir / "packs").string() + "'";
  CommandResult listed = run_hearth("plugins --category diagnostic" + path, cache.path());
  INFO(listed.output);
  CHECK_THAT(listed.output, ContainsSubstring("skeleton_diagnostic  looks"));
  CommandResult run = run_hearth("run " + kSmokeJob + path + " --runs-dir '" + runs.path().string() +
                                     "' --set train.epochs=1 --set \"diagnostics=[{plugin='looks:skeleton_diagnostic'}]\"",
                                 cache.path());
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  const nlohmann::json record = run_record(single_run(runs.path()));
  CHECK(!record.contains("diagnostic_failures"));
  bool recorded = false;
  for (const auto& p : record["plugins"]) recorded = recorded || (p["pack"] == "looks" && p["module"] == "skeleton_diagnostic");
  CHECK(recorded);
  CHECK(fs::exists(single_run(runs.path()) / "diagnostics" / "skeleton_diagnostic" / "epoch-001.png"));
  CHECK(read_text(single_run(runs.path()) / "diagnostics" / "scalars.csv").find("1,skeleton_diagnostic,output_mean,") != std::string::npos);
}
