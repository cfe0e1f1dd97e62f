// libhearth_jobs.so: the commands that need LibTorch in-process (run, check, resume). `hearth`
// itself stays torch-free and opens this library only for them (see docs/architecture.md).
// The boundary is one C function taking a JSON request, so no C++ type crosses it.
#include <signal.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "engine/core/category.hpp"
#include "engine/core/error.hpp"
#include "engine/core/host_facts.hpp"
#include "engine/jobs/analysis.hpp"
#include "engine/jobs/data_loader.hpp"
#include "engine/jobs/job.hpp"
#include "engine/jobs/job_modules.hpp"
#include "engine/jobs/model_graph.hpp"
#include "engine/jobs/render_step.hpp"
#include "engine/jobs/tensor_files.hpp"
#include "engine/jobs/trainer.hpp"
#include "engine/runtime/library_loader.hpp"

namespace hearth {
namespace {

using nlohmann::json;

DiscoveryOptions discovery_from(const json& request, const std::optional<fs::path>& job_folder) {
  DiscoveryOptions o;
  for (const auto& p : request.value("plugin_paths", json::array())) o.roots.plugin_paths.emplace_back(p.get<std::string>());
  o.roots.job_folder = job_folder;
  if (!request.value("no_builtins", false)) o.roots.builtin_folder = request.value("builtin_folder", std::string());
  o.rescan = request.value("rescan", false);
  return o;
}

json plugin_list(const Job& job) {
  json out = json::array();
  std::vector<const ModuleSpec*> specs = {&job.dataset, &job.model, &job.optimizer};
  for (const auto& a : job.analyzers) specs.push_back(&a);
  for (const auto& l : job.losses) specs.push_back(&l);
  for (const auto& m : job.metrics) specs.push_back(&m);
  if (job.scheduler) specs.push_back(&*job.scheduler);
  for (const ModuleSpec* s : specs)
    out.push_back({{"table", s->table},
                   {"category", category_name(s->entry->info.category)},
                   {"module", s->entry->info.name},
                   {"pack", s->entry->pack},
                   {"version", s->entry->pack_version},
                   {"file", s->entry->file.string()},
                   {"sha256", sha256_file(s->entry->file)}});
  return out;
}

/// Mirrors the log into the run's hearth.log for as long as it lives.
class RunLog {
 public:
  explicit RunLog(const fs::path& file) {
    sink_ = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string());
    sink_->set_pattern("%Y-%m-%d %H:%M:%S.%e %l: %v");
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~RunLog() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }

 private:
  spdlog::sink_ptr sink_;
};

/// SIGINT asks the trainer to stop after the batch; a second one ends the process.
class InterruptScope {
 public:
  InterruptScope() {
    interrupt_requested() = false;
    struct sigaction sa {};
    sa.sa_handler = [](int) {
      if (interrupt_requested().exchange(true)) ::_exit(130);
    };
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &previous_);
  }
  ~InterruptScope() { ::sigaction(SIGINT, &previous_, nullptr); }

 private:
  struct sigaction previous_ {};
};

int finish(TrainOutcome outcome, const RunFolder& run) {
  switch (outcome) {
    case TrainOutcome::interrupted:
      std::cerr << "interrupted: `last` holds the progress; continue with `hearth resume " << run.path().string() << "`\n";
      return 130;
    case TrainOutcome::stopped_early:
    case TrainOutcome::completed:
      std::cout << "run finished: " << run.path().string() << "\n";
      return 0;
  }
  return 0;
}

/// A new run folder for `job`: the resolved job, the source job, and run.json.
RunFolder create_run(const Job& job, const fs::path& job_file, const json& request) {
  fs::path runs_root = request.value("runs_dir", std::string());
  if (runs_root.empty()) runs_root = job_file.parent_path() / string_of(job.job, "runs");
  RunFolder run = RunFolder::create(runs_root, job.name());
  write_file_atomically(run.path() / "job.toml", job.resolved_toml());
  std::error_code ec;
  fs::copy_file(job_file, run.path() / "job.source.toml", ec);
  const HostFacts& host = host_facts();
  run.info() = {{"status", "created"},
                {"job", job.name()},
                {"job_file", job_file.string()},
                {"job_folder", job_file.parent_path().string()},
                {"plugin_paths", request.value("plugin_paths", json::array())},
                {"command_line", request.value("command_line", std::string())},
                {"created", utc_timestamp()},
                {"host", {{"hearth", host.hearth_version}, {"abi", std::to_string(host.abi_major) + "." + std::to_string(host.abi_minor)}, {"torch", host.torch_version}}},
                {"device", resolve_device(string_of(job.job, "device"))},
                {"plugins", plugin_list(job)}};
  run.save_info();
  return run;
}

/// A job file loaded for a command, with the registry its module entries point into.
struct OpenedJob {
  fs::path file;
  std::unique_ptr<PluginRegistry> registry;
  Job job;
};

/// Discovers plugins as seen from the job's folder, loads and validates the job (with --set), and
/// makes the job's folder current: relative paths inside a job are relative to it.
OpenedJob open_job(const json& request) {
  OpenedJob o;
  o.file = fs::absolute(request.at("job").get<std::string>());
  o.registry = std::make_unique<PluginRegistry>(PluginRegistry::discover(discovery_from(request, o.file.parent_path())));
  o.job = load_job(o.file, request.value("sets", std::vector<std::string>{}), *o.registry);
  fs::current_path(o.file.parent_path());
  return o;
}

/// `hearth analyze`: the job's analyzers (or the default ones) into a new run's analysis/ folder.
int analyze_job(const Job& job, const fs::path& job_file, const PluginRegistry& reg, const json& request) {
  RunFolder run = create_run(job, job_file, request);
  RunLog log(run.path() / "hearth.log");
  run.info()["status"] = "analyzing";
  run.save_info();
  try {
    DatasetModule data(module_ref(job.dataset), job.dataset.params);
    std::vector<ModuleSpec> analyzers = job.analyzers.empty() ? default_analyzers(reg, !data.class_names().empty()) : job.analyzers;
    AnalysisOptions options;
    options.out_dir = run.path() / "analysis";
    if (request.contains("split")) options.split = request["split"].get<std::string>();
    run_analysis(job, analyzers, data, options);
  } catch (const std::exception& e) {
    run.info()["status"] = "failed";
    run.info()["error"] = e.what();
    run.info()["finished"] = utc_timestamp();
    run.save_info();
    throw;
  }
  run.info()["status"] = "analyzed";
  run.info()["finished"] = utc_timestamp();
  run.save_info();
  std::cout << "analysis written: " << (run.path() / "analysis").string() << "\n";
  return 0;
}

int run_job(const json& request) {
  OpenedJob opened = open_job(request);
  const Job& job = opened.job;
  const fs::path& job_file = opened.file;
  if (request.at("command") == "check") {
    std::cout << job_file.string() << ": OK: dataset " << job.dataset.entry->info.name << ", model "
              << job.model.entry->info.name << ", " << job.losses.size() << " loss(es), " << job.metrics.size()
              << " metric(s), optimizer " << job.optimizer.entry->info.name
              << (job.scheduler ? ", scheduler " + job.scheduler->entry->info.name : std::string()) << "\n";
    return 0;
  }
  if (request.at("command") == "analyze") return analyze_job(job, job_file, *opened.registry, request);
  RunFolder run = create_run(job, job_file, request);
  RunLog log(run.path() / "hearth.log");
  spdlog::info("run {} ({})", run.path().string(), request.value("command_line", std::string()));
  InterruptScope interrupts;
  return finish(train(job, run, std::nullopt), run);
}

/// A run, its job, and the registry the job's module entries point into (kept alive with them).
struct OpenedRun {
  std::unique_ptr<PluginRegistry> registry;
  RunFolder run;
  Job job;
};
OpenedRun open_run(const json& request);

int resume_run(const json& request) {
  OpenedRun opened = open_run(request);
  RunFolder& run = opened.run;
  const Job& job = opened.job;
  std::string status = run.info().value("status", "");
  if (status == "completed" || status == "stopped_early") {
    std::cout << "run " << run.path().string() << " is already " << status << "; nothing to resume\n";
    return 0;
  }
  CheckpointState state = load_checkpoint(run.checkpoint("last"));
  RunLog log(run.path() / "hearth.log");
  spdlog::info("resume {} ({})", run.path().string(), request.value("command_line", std::string()));
  run.info()["resumed"] = run.info().value("resumed", json::array());
  run.info()["resumed"].push_back(utc_timestamp());
  InterruptScope interrupts;
  return finish(train(job, run, state), run);
}

/// Opens a run and its job as it was resolved, finding plugins where the run found them.
OpenedRun open_run(const json& request) {
  OpenedRun o;
  o.run = RunFolder::open(request.at("run").get<std::string>());
  json req = request;
  if (!req.contains("plugin_paths") || req["plugin_paths"].empty())
    req["plugin_paths"] = o.run.info().value("plugin_paths", json::array());
  fs::path job_folder = o.run.info().value("job_folder", o.run.path().string());
  o.registry = std::make_unique<PluginRegistry>(PluginRegistry::discover(discovery_from(req, job_folder)));
  o.job = load_job(o.run.path() / "job.toml", {}, *o.registry);
  fs::current_path(job_folder);  // as when the run started: data paths are relative to the job file
  return o;
}

int eval_run(const json& request) {
  OpenedRun opened = open_run(request);
  RunFolder& run = opened.run;
  const Job& job = opened.job;
  std::string which = request.value("checkpoint", "best");
  std::string split = request.value("split", "valid");
  CheckpointState state = load_checkpoint(run.checkpoint(which));
  std::string device = resolve_device(string_of(job.job, "device"));
  torch::manual_seed(static_cast<uint64_t>(int_of(job.job, "seed")));
  JobModules m = make_job_modules(job, device, [&](const DatasetModule& data) {
    return run_analysis(job, job.analyzers, data, AnalysisOptions{});  // the weights again; no files
  });
  m.model->load_state(state.model);
  SplitPlan plan(*m.data, float_of(job.dataset.host, "valid_fraction"), float_of(job.dataset.host, "subsample"),
                 static_cast<uint64_t>(int_of(job.job, "seed")));
  SplitName name = split == "test" ? SplitName::test : split == "train" ? SplitName::train : SplitName::valid;
  if (plan.indices(name).empty())
    throw UsageError("the run's dataset has no " + split + " split" +
                     (name == SplitName::valid ? " (set [dataset] valid_fraction, or use --split test)" : ""));
  BatchLoader loader(*m.data, plan.source(name), plan.indices(name), int_of(job.dataset.host, "batch_size"), false, 0,
                     static_cast<int>(int_of(job.dataset.host, "workers")));
  std::map<std::string, double> values = evaluate_split(job, m, loader, split, device);
  json out = {{"checkpoint", which}, {"epoch", state.epoch}, {"split", split}, {"samples", plan.indices(name).size()},
              {"evaluated", utc_timestamp()}};
  std::cout << run.path().string() << "  checkpoint " << which << " (epoch " << state.epoch << "), " << split << " split, "
            << plan.indices(name).size() << " samples\n";
  for (const auto& [k, v] : values) {
    out["values"][k] = v;
    std::printf("  %-24s %.6g\n", k.c_str(), v);
  }
  write_file_atomically(run.path() / ("eval-" + split + "-" + which + ".json"), out.dump(2) + "\n");
  return 0;
}

/// `hearth render JOB [--run RUN]`: the job's data (and the run's predictions) as pictures.
int render_job(const json& request) {
  std::unique_ptr<ModelModule> model;
  std::string device = "cpu";
  std::optional<OpenedRun> trained_run;
  if (request.contains("run")) {
    trained_run = open_run(request);
    const Job& trained = trained_run->job;
    CheckpointState state = load_checkpoint(trained_run->run.checkpoint(request.value("checkpoint", "best")));
    device = resolve_device(string_of(trained.job, "device"));
    model = std::make_unique<ModelModule>(module_ref(trained.model), trained.model.params);
    model->to_device(device);
    model->load_state(state.model);
    model->train(false);
  }
  OpenedJob opened = open_job(request);
  const Job& job = opened.job;
  DatasetModule data(module_ref(job.dataset), job.dataset.params);
  RenderOptions o;
  o.split = request.value("split", "valid");
  o.indices = request.value("index", "0-15");
  o.out_dir = request.at("out").get<std::string>();
  o.size = request.value("size", 256);
  std::vector<fs::path> files = render_samples(job, *opened.registry, data, model.get(), device, o);
  std::cout << "wrote " << files.size() - 1 << " pictures and " << files.back().string() << "\n";
  return 0;
}

/// `hearth graph JOB`: the model's operations as a picture, and its summary printed.
int graph_job(const json& request) {
  OpenedJob opened = open_job(request);
  const Job& job = opened.job;
  torch::manual_seed(static_cast<uint64_t>(int_of(job.job, "seed")));
  DatasetModule data(module_ref(job.dataset), job.dataset.params);
  ModelModule model(module_ref(job.model), with_analyzer_values(job.model, {}));
  GraphPicture graph = trace_model_graph(model, example_inputs(data, 2), model_title(job));
  fs::path out = request.at("out").get<std::string>();
  write_graph_picture(graph, out);
  std::cout << graph_summary_text(graph) << "wrote " << out.string() << "\n";
  return 0;
}

int infer_run(const json& request) {
  OpenedRun opened = open_run(request);
  RunFolder& run = opened.run;
  const Job& job = opened.job;
  std::string which = request.value("checkpoint", "best");
  CheckpointState state = load_checkpoint(run.checkpoint(which));
  std::string device = resolve_device(string_of(job.job, "device"));
  JobModules m = make_job_modules(job, device, [&](const DatasetModule& data) {
    return run_analysis(job, job.analyzers, data, AnalysisOptions{});  // the weights again; no files
  });
  m.model->load_state(state.model);
  m.model->train(false);
  torch::NoGradGuard no_grad;
  torch::Device dev(device);
  int64_t batch_size = int_of(job.dataset.host, "batch_size");
  std::vector<std::vector<at::Tensor>> outputs;  // per batch, per model output
  std::string source;
  if (request.contains("input")) {
    fs::path input = request["input"].get<std::string>();
    at::Tensor all = read_tensor_file(input);
    source = input.string();
    for (int64_t i = 0; i < all.size(0); i += batch_size)
      outputs.push_back(m.model->forward({all.slice(0, i, std::min(all.size(0), i + batch_size)).to(dev)}));
  } else {
    std::string split = request.value("split", "test");
    SplitPlan plan(*m.data, float_of(job.dataset.host, "valid_fraction"), float_of(job.dataset.host, "subsample"),
                   static_cast<uint64_t>(int_of(job.job, "seed")));
    SplitName name = split == "valid" ? SplitName::valid : split == "train" ? SplitName::train : SplitName::test;
    if (plan.indices(name).empty()) throw UsageError("the run's dataset has no " + split + " split; give --input FILE");
    BatchLoader loader(*m.data, plan.source(name), plan.indices(name), batch_size, false, 0,
                       static_cast<int>(int_of(job.dataset.host, "workers")));
    loader.start_epoch(0);
    while (auto b = loader.next()) outputs.push_back(m.model->forward(on_device(b->inputs, device)));
    source = "the " + split + " split of the run's dataset";
  }
  if (outputs.empty()) throw UsageError("no inputs to run the model on");
  fs::path out = request.value("out", (run.path() / ("infer-" + which + ".csv")).string());
  for (size_t k = 0; k < outputs[0].size(); ++k) {
    std::vector<at::Tensor> parts;
    for (const auto& batch : outputs) parts.push_back(batch.at(k));
    at::Tensor joined = at::cat(parts, 0);
    fs::path file = out;
    if (k > 0) file.replace_filename(out.stem().string() + "_" + std::to_string(k) + out.extension().string());
    write_tensor_file(file, joined);
    std::cout << "wrote outputs" << (outputs[0].size() > 1 ? " " + std::to_string(k) : "") << " " << joined.sizes()
              << " of " << which << " (epoch " << state.epoch << ") on " << source << " to " << file.string() << "\n";
  }
  return 0;
}

}  // namespace
}  // namespace hearth

extern "C" __attribute__((visibility("default"))) int hearth_jobs_main(const char* request_json) {
  try {
    auto request = nlohmann::json::parse(request_json);
    std::string command = request.at("command");
    if (command == "resume") return hearth::resume_run(request);
    if (command == "eval") return hearth::eval_run(request);
    if (command == "infer") return hearth::infer_run(request);
    if (command == "render") return hearth::render_job(request);
    if (command == "graph") return hearth::graph_job(request);
    return hearth::run_job(request);
  } catch (const hearth::UsageError& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  } catch (...) {
    std::cerr << "error: unknown failure\n";
    return 1;
  }
}
