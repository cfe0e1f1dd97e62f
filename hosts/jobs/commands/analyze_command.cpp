#include "hosts/jobs/commands/analyze_command.hpp"

#include <iostream>

#include "hosts/jobs/run_creation.hpp"
#include "hosts/jobs/run_scope.hpp"
#include "engine/jobs/analysis.hpp"
#include "engine/jobs/session.hpp"
#include "engine/core/utc_timestamp.hpp"

namespace hearth::jobs {
namespace {

void analyze(const OpenedJob& opened, const AnalyzeRequest& request, const fs::path& out_dir) {
  const Job& job = opened.job;
  SessionOptions data_only;
  data_only.modules = false;
  Session session(job, data_only);
  std::vector<ModuleSpec> analyzers =
      job.analyzers.empty() ? default_analyzers(*opened.registry, !session.data().class_names().empty()) : job.analyzers;
  AnalysisOptions options;
  options.out_dir = out_dir;
  if (!request.split.empty()) options.split = request.split;
  run_analysis(job, analyzers, session.data(), session.plan(), options);
}

}  // namespace

int execute(const AnalyzeRequest& request) {
  OpenedJob opened = open_job(request.base, request.job, request.sets);
  RunFolder run = create_run(opened, request.base, request.runs_dir);
  RunLog log(run.path() / "hearth.log");
  run.record().status = RunStatus::analyzing;
  run.save_record();
  try {
    analyze(opened, request, run.path() / "analysis");
  } catch (const std::exception& e) {
    record_failure(run, e.what());
    throw;
  }
  run.record().status = RunStatus::analyzed;
  run.record().finished = utc_timestamp();
  run.save_record();
  std::cout << "analysis written: " << (run.path() / "analysis").string() << "\n";
  return 0;
}

}  // namespace hearth::jobs
