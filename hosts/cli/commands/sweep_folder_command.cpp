// `hearth sweep resume DIR` and `hearth sweep report DIR`: the parts of `hearth sweep` that need
// no LibTorch (the trials themselves run as `hearth run --trial` children).
#include <iostream>
#include <memory>

#include "cli_context.hpp"
#include "commands/commands.hpp"
#include "engine/core/atomic_file.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/sweeps/local_sweep.hpp"
#include "engine/sweeps/sweep_pictures.hpp"
#include "engine/sweeps/sweep_report.hpp"

namespace hearth::cli {
namespace {

struct ResumeOptions {
  std::string dir;
  int parallel = 1;
  bool bind = true;
  DiscoveryFlags discovery;
};

struct ReportOptions {
  std::string dir;
  bool json = false, csv = false, markdown = false;
  bool pictures = true;
};

/// The report's pictures and trials.csv, into the sweep folder; a folder that cannot take them
/// (read-only, shared) still gets its report printed.
void write_report_files(const SweepReport& report, const fs::path& dir, bool say) {
  try {
    write_file_atomically(dir / "trials.csv", trials_csv(report));
  } catch (const std::exception& e) {
    std::cerr << "warning: " << e.what() << "\n";
  }
  const SweepPictures pictures = write_sweep_pictures(report, dir);
  if (!say) return;
  for (const fs::path& p : pictures.written) std::cerr << "picture: " << printable(p.string()) << "\n";
  for (const std::string& s : pictures.skipped) std::cerr << "no picture " << printable(s) << "\n";
}

int report(const ReportOptions& o) {
  const SweepIndex index = read_sweep_index(o.dir);
  const SweepReport r = make_sweep_report(index);
  if (o.json) std::cout << report_json(r).dump(2) << "\n";
  else if (o.csv) std::cout << report_csv(r);
  else if (o.markdown) std::cout << report_markdown(r);
  else std::cout << report_text(r);
  if (o.pictures) write_report_files(r, index.dir, !o.json && !o.csv && !o.markdown);
  return 0;
}

int resume(const ResumeOptions& o) {
  const SweepIndex index = read_sweep_index(o.dir);
  LocalSweepOptions options;
  options.parallel = o.parallel;
  options.bind = o.bind;
  for (const std::string& p : o.discovery.plugin_paths) options.extra_args.insert(options.extra_args.end(), {"--plugin-path", fs::absolute(p).string()});
  if (o.discovery.no_builtins) options.extra_args.emplace_back("--no-builtins");
  const int code = run_local_sweep(index, options);
  const SweepReport r = make_sweep_report(index);
  std::cout << "\n" << report_text(r);
  write_report_files(r, index.dir, true);
  return code;
}

}  // namespace

void setup_sweep_subcommands(CLI::App& sweep, int& exit_code) {
  auto r = std::make_shared<ResumeOptions>();
  CLI::App* res = sweep.add_subcommand("resume", "Run the trials of a sweep folder that have not finished (resumed from their `last`)");
  res->add_option("dir", r->dir, "Sweep folder")->required()->check(CLI::ExistingDirectory);
  res->add_option("--parallel,-p", r->parallel, "Trials at once (the CPUs are shared among them)")->check(CLI::Range(1, 256));
  res->add_flag("!--no-bind", r->bind, "Let the trials run on any CPU");
  r->discovery.add_to(*res);
  res->callback([r, &exit_code] { exit_code = resume(*r); });

  auto o = std::make_shared<ReportOptions>();
  CLI::App* rep = sweep.add_subcommand("report", "Rank a sweep's points by their trials' best metric (mean and sd over repeats); draw its pictures");
  rep->add_option("dir", o->dir, "Sweep folder")->required()->check(CLI::ExistingDirectory);
  auto* json = rep->add_flag("--json", o->json, "The report as JSON");
  auto* csv = rep->add_flag("--csv", o->csv, "One CSV row per point");
  auto* md = rep->add_flag("--markdown", o->markdown, "A Markdown table");
  json->excludes(csv)->excludes(md);
  csv->excludes(md);
  rep->add_flag("!--no-pictures", o->pictures, "Draw no pictures and write no trials.csv into the sweep folder");
  rep->callback([o, &exit_code] { exit_code = report(*o); });
}

}  // namespace hearth::cli
