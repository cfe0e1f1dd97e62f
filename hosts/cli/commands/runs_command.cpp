// `hearth runs [list|show RUN|rm RUN]`: the runs of a runs folder, from their run.json files.
#include <nlohmann/json.hpp>

#include <cmath>
#include <ctime>
#include <iomanip>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli_context.hpp"
#include "commands/commands.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/runs/run_condition.hpp"
#include "engine/runs/run_metrics.hpp"
#include "engine/runs/run_listing.hpp"
#include "engine/runs/run_lock.hpp"
#include "terminal.hpp"

namespace hearth::cli {
namespace {

struct RunsOptions {
  std::string runs_dir = "runs";
  std::string run;
  bool json = false;
  bool force = false;
};

std::string duration_text(long long s) {
  if (s < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  return buf;
}

std::string best_text(const RunRecord& record) {
  if (!record.best) return "-";
  std::ostringstream os;
  os.precision(5);
  os << printable(record.best->monitor) << "=" << record.best->value << " @" << record.best->epoch;
  return os.str();
}

nlohmann::json best_json(const RunRecord& record) {
  if (!record.best) return nullptr;
  return {{"monitor", json_text(record.best->monitor)}, {"value", record.best->value}, {"epoch", record.best->epoch}};
}

void list_runs(const RunsOptions& o) {
  std::vector<ListedRun> runs;
  for (const fs::path& r : find_runs(o.runs_dir)) runs.push_back(list_run(r));
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const ListedRun& r : runs) {
      const RunRecord& record = r.record;
      if (!r.damage.empty()) {
        out.push_back({{"run", json_text(r.run.string())}, {"status", "damaged"}, {"error", json_text(r.damage)}});
        continue;
      }
      nlohmann::json row = {{"run", json_text(r.run.string())}, {"status", r.condition.status}, {"epochs", record.epochs_done},
                     {"best", best_json(record)}, {"seconds", seconds_between(record.created, record.finished)}};
      if (!r.condition.detail.empty()) row["detail"] = json_text(r.condition.detail);
      out.push_back(row);
    }
    std::cout << out.dump(2) << '\n';
    return;
  }
  Style st = style_for(stdout);
  std::vector<std::array<std::string, 5>> rows = {{"RUN", "STATUS", "EPOCHS", "BEST", "DURATION"}};
  std::vector<std::string> damaged;
  std::vector<std::pair<std::string, std::string>> notes;  // (status, text) of crashed, died, elsewhere
  for (const ListedRun& r : runs) {
    const std::string name = printable(fs::relative(r.run, o.runs_dir).string());
    if (!r.damage.empty()) {
      rows.push_back({name, "damaged", "-", "-", "-"});
      damaged.push_back(name + ": " + r.damage);
      continue;
    }
    const RunRecord& record = r.record;
    if (!r.condition.detail.empty()) notes.push_back({r.condition.status, name + ": " + r.condition.detail});
    rows.push_back({name, r.condition.status, std::to_string(record.epochs_done), best_text(record),
                    duration_text(seconds_between(record.created, record.finished))});
  }
  std::array<size_t, 5> w{};
  for (const auto& r : rows)
    for (size_t c = 0; c < 5; ++c) w[c] = std::max(w[c], r[c].size());
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string line;
    for (size_t c = 0; c < 5; ++c) line += c == 4 ? rows[i][c] : pad(rows[i][c], w[c] + 2);
    std::cout << (i == 0 ? st.bold(line) : line) << '\n';
  }
  if (runs.empty()) std::cout << "(no runs in " << o.runs_dir << ")\n";
  const Style err = style_for(stderr);
  for (const std::string& d : damaged) std::cerr << err.yellow("damaged") << " " << d << '\n';
  for (const auto& [status, text] : notes) std::cout << (status == "running" ? status : st.yellow(status)) << " " << text << '\n';
}

void show_run(const RunsOptions& o) {
  fs::path run = o.run;
  const RunRecord record = read_run_record(run);
  if (o.json) {
    std::cout << to_json(record).dump(2) << '\n';
    return;
  }
  auto field = [](const std::string& k, const std::string& v) { std::cout << "  " << pad(k, 10) << v << '\n'; };
  std::cout << run.string() << '\n';
  field("Job", printable(record.job) + " (" + printable(record.job_file) + ")");
  const RunCondition condition = assess_run(run, record);
  field("Status", condition.status);
  if (!condition.detail.empty()) field(condition.status == "running" ? "Where" : "Why", condition.detail);
  if (!record.error.empty()) field("Error", printable(record.error));
  for (const ResumeRecord& r : record.resumes)
    field("Resumed", printable(r.time.empty() ? "?" : r.time) + " (found " + printable(r.found.empty() ? "?" : r.found) +
                         ", from " + printable(r.checkpoint.empty() ? "last" : r.checkpoint) + ")");
  field("Epochs", std::to_string(record.epochs_done) + ", " + std::to_string(record.step) + " steps");
  field("Best", best_text(record));
  field("Device", printable(record.device));
  field("Created", printable(record.created));
  field("Duration", duration_text(seconds_between(record.created, record.finished)));
  field("Command", printable(record.command_line));
  std::cout << "  Plugins\n";
  size_t width = 23;
  for (const PluginRecord& p : record.plugins) width = std::max(width, printable(p.pack + ":" + p.module).size());
  for (const PluginRecord& p : record.plugins)
    std::cout << "    " << pad(printable(p.table), 12) << pad(printable(p.pack + ":" + p.module), width + 1) << printable(p.version)
              << "  sha256 " << printable(p.sha256.substr(0, 16)) << "...\n";
  const MetricsTable table = read_run_metrics(run, DamagedRows::skip);
  if (!table.rows.empty()) {
    std::cout << "  Last epoch\n";
    for (size_t i = 0; i < table.columns.size(); ++i) {
      const double v = table.rows.back()[i];
      // A diagnostic that did not run at the last epoch has nothing to say there.
      if (std::isnan(v) && is_diagnostic_column(table.columns[i])) continue;
      char cell[32] = "";
      if (!std::isnan(v)) std::snprintf(cell, sizeof cell, "%.9g", v);
      std::cout << "    " << pad(printable(table.columns[i]), 22) << cell << '\n';
    }
  }
}

void remove_run(const RunsOptions& o) {
  fs::path run = o.run;
  const RunRecord record = read_run_record(run);  // refuses anything that is not a run folder
  if (std::optional<ProcessIdentity> holder = run_lock_holder(run))
    throw UsageError(printable(run.string()) + " is being trained by " + process_text(*holder) + "; stop it first");
  if (assess_run(run, record).status == "running" && !o.force)
    throw UsageError(printable(run.string()) + " is marked running on another host; if no hearth process is training it, add --force");
  std::uintmax_t n = fs::remove_all(run);
  std::cout << "removed " << run.string() << " (" << n << " files and folders)\n";
}

}  // namespace

void setup_runs_command(CLI::App& app) {
  auto o = std::make_shared<RunsOptions>();
  CLI::App* cmd = app.add_subcommand("runs", "List, show and remove runs");
  cmd->add_option("--runs-dir", o->runs_dir, "Runs folder (default: ./runs)");
  cmd->add_flag("--json", o->json, "Machine-readable output");
  CLI::App* list = cmd->add_subcommand("list", "One line per run: status, epochs, best value, duration");
  CLI::App* show = cmd->add_subcommand("show", "Everything run.json and metrics.csv say about one run");
  show->add_option("run", o->run, "Run folder")->required();
  show->add_flag("--json", o->json, "Machine-readable output");
  CLI::App* rm = cmd->add_subcommand("rm", "Delete a run folder");
  rm->add_option("run", o->run, "Run folder")->required();
  rm->add_flag("--force", o->force, "Also when it is marked running");
  list->add_option("--runs-dir", o->runs_dir, "Runs folder (default: ./runs)");
  list->add_flag("--json", o->json, "Machine-readable output");
  cmd->callback([o, show, rm]() {
    if (show->parsed()) show_run(*o);
    else if (rm->parsed()) remove_run(*o);
    else list_runs(*o);
  });
}

}  // namespace hearth::cli
