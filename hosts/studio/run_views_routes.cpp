// Views of runs: the parameters plot of selected runs (engine/plots' parallel coordinates), the
// predictions contact sheet of a trained run (`hearth render --run` in a child), text sampled
// from a language-model run (`hearth sample` in a child), the pictures a
// run's diagnostics have drawn so far, and the sweeps of the runs folder as groups with their
// reports (engine/sweeps).
#include <fstream>

#include "api_support.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/plots/params_plot.hpp"
#include "engine/sweeps/sweep_index.hpp"
#include "engine/sweeps/sweep_report.hpp"
#include "run_paths.hpp"
#include "run_row.hpp"

namespace hearth::studio {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json params_plot(const StudioState& state, const json& body) {
  auto it = body.find("runs");
  if (it == body.end() || !it->is_array() || it->size() > 200) throw UsageError("the body needs \"runs\": a list of at most 200 run names");
  std::vector<RunParams> runs;
  for (const json& id : *it) {
    if (!id.is_string()) throw UsageError("\"runs\" must hold run names (strings)");
    if (std::optional<RunParams> r = read_run_params(run_folder_of(state.options.runs_dir, id.get<std::string>())))
      runs.push_back(std::move(*r));
  }
  TempFolder out;
  const fs::path svg = out.path() / "params.svg";
  write_params_plot(runs, svg);  // UsageError when fewer than two runs share a monitor or differ
  return {{"svg", json_text(file_bytes(svg))}};
}

json predictions(StudioState& state, const json& body) {
  const std::string id = text_field(body, "run");
  const fs::path run = run_folder_of(state.options.runs_dir, id);
  TempFolder out;
  CommandOutput done = run_command(state.options.hearth,
                                   with_flags({"render", (run / "job.toml").string(), "--run", run.string(), "--out", out.path().string(),
                                               "--size", "128"},
                                              state),
                                   state.options.work_dir, kCommandLimit);
  const fs::path sheet = out.path() / "contact-sheet.png";
  if (done.exit_code != 0 || !fs::exists(sheet)) return {{"ok", false}, {"output", json_text(done.output)}};
  return {{"ok", true}, {"png", base64(file_bytes(sheet))}};
}

/// A number field of `body` within [lo, hi], or `fallback` when absent.
double bounded_number(const json& body, const char* key, double lo, double hi, double fallback) {
  auto it = body.find(key);
  if (it == body.end()) return fallback;
  if (!it->is_number() || it->get<double>() < lo || it->get<double>() > hi)
    throw UsageError(std::string("\"") + key + "\" must be a number from " + std::to_string(lo) + " to " + std::to_string(hi));
  return it->get<double>();
}

/// `hearth sample` of a language-model run in a child: the prompt box of the Model tab. The
/// prompt travels as one argument (`--prompt=...`, never through a shell), so any bytes are text.
json sample_text(const StudioState& state, const json& body) {
  const fs::path run = run_folder_of(state.options.runs_dir, text_field(body, "run"));
  auto prompt = body.find("prompt");
  if (prompt != body.end() && (!prompt->is_string() || prompt->get<std::string>().size() > 4096))
    throw UsageError("\"prompt\" must be text of at most 4096 bytes");
  const auto tokens = static_cast<int64_t>(bounded_number(body, "tokens", 1, 2000, 200));
  const double temperature = bounded_number(body, "temperature", 0, 10, 0.8);
  const auto top_k = static_cast<int64_t>(bounded_number(body, "top_k", 0, 1e6, 0));
  const auto seed = static_cast<int64_t>(bounded_number(body, "seed", 0, 1e9, 1));
  std::vector<std::string> args = {"sample", run.string(), "--tokens", std::to_string(tokens), "--temperature",
                                   std::to_string(temperature), "--top-k", std::to_string(top_k), "--seed", std::to_string(seed)};
  if (prompt != body.end() && !prompt->get<std::string>().empty()) args.push_back("--prompt=" + prompt->get<std::string>());
  CommandOutput done = run_command(state.options.hearth, with_flags(args, state), state.options.work_dir, kCommandLimit);
  // stdout is the text; the last line (stderr) says how long it took.
  const std::string marker = "sampled " + std::to_string(tokens) + " tokens from";
  const size_t report = done.output.rfind(marker);
  if (done.exit_code != 0 || report == std::string::npos) return {{"ok", false}, {"output", json_text(done.output)}};
  std::string text = done.output.substr(0, report);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return {{"ok", true}, {"text", json_text(text)}, {"report", json_text(done.output.substr(report))}};
}

/// Every sweep folder <runs>/<job>/sweeps/<stamp>/ with its report; a damaged one says why.
json sweeps(const StudioState& state) {
  json out = json::array();
  std::error_code ec;
  const fs::path& runs = state.options.runs_dir;
  if (!fs::is_directory(runs, ec)) return {{"sweeps", out}};
  for (const auto& job : fs::directory_iterator(runs, ec)) {
    const fs::path folder = job.path() / "sweeps";
    if (job.path().filename().string().front() == '.' || job.is_symlink(ec) || !fs::is_directory(folder, ec)) continue;
    for (const auto& sweep : fs::directory_iterator(folder, ec)) {
      const std::string name = sweep.path().filename().string();
      if (name.front() == '.' || sweep.is_symlink(ec) || !fs::exists(sweep.path() / "sweep.json", ec)) continue;
      json entry = {{"id", json_text(fs::relative(sweep.path(), runs).generic_string())}};
      try {
        entry["report"] = report_json(make_sweep_report(read_sweep_index(sweep.path())));
      } catch (const std::exception& e) {
        entry["error"] = json_text(e.what());
      }
      out.push_back(std::move(entry));
    }
  }
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) { return a["id"].get<std::string>() > b["id"].get<std::string>(); });
  return {{"sweeps", out}};
}

}  // namespace

void add_run_view_routes(httplib::Server& server, StudioState& state) {
  StudioState* s = &state;
  post_route(server, "/api/runs/params", [s](const httplib::Request&, const json& body) { return params_plot(*s, body); });
  post_route(server, "/api/runs/predictions", [s](const httplib::Request&, const json& body) { return predictions(*s, body); });
  post_route(server, "/api/runs/sample", [s](const httplib::Request&, const json& body) { return sample_text(*s, body); });
  get_route(server, "/api/runs/diagnostics", [s](const httplib::Request& req, const json&) {
    return run_diagnostics(run_folder_of(s->options.runs_dir, query(req, "run")));
  });
  get_route(server, "/api/sweeps", [s](const httplib::Request&, const json&) { return sweeps(*s); });
}

}  // namespace hearth::studio
