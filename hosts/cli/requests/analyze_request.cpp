// `hearth analyze JOB`: run a job's analyzers over its data into a new run folder.
#include "hosts/jobs/commands/analyze_command.hpp"
#include "requests/request_command.hpp"

namespace hearth::cli {

void setup_analyze_request(const RequestContext& c) {
  RequestCommand<jobs::AnalyzeRequest> a(c.app, "Run a job's analyzers over its data: report pictures and a JSON summary in a new run folder");
  a.app->add_option("job", a.request->job, "Job script (TOML); without [[analyzers]], multiclass and values_distribution")
      ->required()
      ->check(CLI::ExistingFile);
  a.app->add_option("--split", a.request->split, "train, valid, test or all (default: each analyzer's own split)")
      ->check(CLI::IsMember({"train", "valid", "test", "all"}));
  a.app->add_option("--set", a.request->sets, kSetHelp);
  a.app->add_option("--runs-dir", a.request->runs_dir, kRunsDirHelp);
  a.send(c, [](jobs::AnalyzeRequest& r) {
    r.job = fs::absolute(r.job).string();
    r.runs_dir = absolute_or_empty(r.runs_dir);
  });
}

}  // namespace hearth::cli
