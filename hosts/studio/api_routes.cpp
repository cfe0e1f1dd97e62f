// The studio's JSON API. Every handler gets a checked request (studio_server.cpp's guard) and
// answers JSON; a bad request is a 4xx with {"error": ...}, never a crash.
#include <signal.h>

#include <fstream>

#include "engine/core/atomic_file.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/core/host_facts.hpp"
#include "engine/runs/run_listing.hpp"
#include "engine/runs/run_lock.hpp"
#include "engine/discovery/module_json.hpp"
#include "engine/params/host_keys.hpp"
#include "job_form.hpp"
#include "run_curves_json.hpp"
#include "run_paths.hpp"
#include "run_row.hpp"
#include "api_support.hpp"
#include "studio_state.hpp"
#include "web_assets.hpp"

namespace hearth::studio {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr uint64_t kServedFileLimit = 64ull << 20;

json schema_json(const std::vector<ParamInfo>& params) {
  json out = json::array();
  for (const ParamInfo& p : params) out.push_back(param_json(p));
  return out;
}

/// "[error: ]file:line:col: message" lines of `hearth check`'s output, as {"line", "column", "message"}.
json problems_of(const std::string& output, const std::string& file) {
  json out = json::array();
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    const std::string prefix = file + ":";
    const size_t at = line.find(prefix);  // after "error: " or at the start
    if (at == std::string::npos) continue;
    const size_t rest = at + prefix.size();
    int l = 0, c = 0;
    int used = 0;
    if (std::sscanf(line.c_str() + rest, "%d:%d: %n", &l, &c, &used) >= 2 && used > 0)
      out.push_back({{"line", l}, {"column", c}, {"message", json_text(line.substr(rest + static_cast<size_t>(used)))}});
  }
  return out;
}

const PluginRegistry& registry(StudioState& state, bool rescan) {
  std::lock_guard<std::mutex> lock(state.registry_mutex);
  if (!state.registry || rescan) {
    DiscoveryOptions o = state.options.discovery;
    o.rescan = rescan;
    state.registry = PluginRegistry::discover(o);
  }
  return *state.registry;
}

json modules_json(StudioState& state, bool rescan) {
  json modules = json::array();
  for (const ModuleEntry& m : registry(state, rescan).modules())
    if (!m.shadowed) modules.push_back(module_json(m, true));
  json host = {{"job", schema_json(job_keys().schema())},         {"train", schema_json(train_keys().schema())},
               {"dataset", schema_json(dataset_keys().schema())}, {"model", schema_json(model_keys().schema())},
               {"losses", schema_json(loss_keys().schema())},  {"metrics", schema_json(metric_keys().schema())},
               {"renders", schema_json(render_keys().schema())}, {"diagnostics", schema_json(diagnostic_keys().schema())}};
  return {{"modules", modules}, {"host", host}};
}

json session_json(const StudioState& state) {
  const StudioOptions& o = state.options;
  json out = {{"version", host_facts_line()}, {"work_dir", json_text(o.work_dir.string())}, {"runs_dir", json_text(o.runs_dir.string())}};
  if (o.job_file.empty()) {
    out["job"] = {{"path", "studio-job.toml"}, {"toml", nullptr}};
    return out;
  }
  std::ifstream in(o.job_file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  out["job"] = {{"path", json_text(fs::relative(o.job_file, o.work_dir).generic_string())}, {"toml", json_text(text)}};
  return out;
}

json runs_json(const StudioState& state) {
  json rows = json::array();
  std::error_code ec;
  if (fs::is_directory(state.options.runs_dir, ec))
    for (const fs::path& run : find_runs(state.options.runs_dir)) rows.push_back(run_row(state.options.runs_dir, run));
  return {{"runs", rows}};
}

json run_detail(const StudioState& state, const std::string& id) {
  const fs::path run = run_folder_of(state.options.runs_dir, id);
  json files = json::array();
  for (const ListedFile& f : files_inside(run, 3)) files.push_back({{"path", json_text(f.path)}, {"size", f.size}});
  ListedRun listed = list_run(run);
  return {{"row", run_row(state.options.runs_dir, run)}, {"info", listed.damage.empty() ? to_json(listed.record) : json::object()}, {"files", files}};
}

/// The process holding the run's lock, when it runs on this host.
std::optional<ProcessIdentity> local_holder(const fs::path& run, const std::string& id) {
  std::optional<ProcessIdentity> holder = run_lock_holder(run);
  if (!holder) return std::nullopt;
  if (holder->host != this_process().host)
    throw Conflict("run " + printable(id) + " is trained by " + process_text(*holder) + "; stop it on that host");
  return holder;
}

json stop_run(const StudioState& state, const std::string& id) {
  const fs::path run = run_folder_of(state.options.runs_dir, id);
  std::optional<ProcessIdentity> holder = local_holder(run, id);
  if (!holder || process_alive(*holder) != true) throw Conflict("run " + printable(id) + " is not training");
  // SIGTERM stops a run as Ctrl-C does: it writes `last` and marks the run interrupted.
  if (::kill(static_cast<pid_t>(holder->pid), SIGTERM) != 0) throw Conflict("cannot stop " + process_text(*holder));
  return {{"stopping", holder->pid}};
}

json resume_run(StudioState& state, const std::string& id) {
  const fs::path run = run_folder_of(state.options.runs_dir, id);
  if (std::optional<ProcessIdentity> holder = run_lock_holder(run))
    throw Conflict("run " + printable(id) + " is being trained by " + process_text(*holder));
  pid_t pid = state.children.start("resume", with_flags({"resume", fs::absolute(run).string()}, state), state.options.work_dir);
  return {{"pid", pid}};
}

json delete_run(const StudioState& state, const std::string& id) {
  const fs::path run = run_folder_of(state.options.runs_dir, id);
  if (std::optional<ProcessIdentity> holder = run_lock_holder(run))
    throw Conflict("run " + printable(id) + " is being trained by " + process_text(*holder) + "; stop it first");
  ListedRun listed = list_run(run);
  if (listed.condition.status == "running")
    throw Conflict("run " + printable(id) + " is marked running on another host; remove it with `hearth runs rm --force`");
  std::uintmax_t n = fs::remove_all(run);
  return {{"removed", json_text(id)}, {"entries", n}};
}

json start_run(StudioState& state, const json& body) {
  const std::string shown = text_field(body, "path");
  const fs::path job = job_path_inside(state.options.work_dir, shown);
  write_file_atomically(job, text_field(body, "toml"), "the job");
  pid_t pid = state.children.start(
      "run", with_flags({"run", job.string(), "--runs-dir", fs::absolute(state.options.runs_dir).string()}, state),
      state.options.work_dir);
  return {{"pid", pid}, {"saved", json_text(shown)}};
}

json check_job(StudioState& state, const json& body) {
  TempJob temp(state, body);
  CommandOutput out = run_command(state.options.hearth, with_flags({"check", temp.path().string()}, state),
                                  state.options.work_dir, kCommandLimit);
  const std::string shown = temp.shown(out.output);
  return {{"ok", out.exit_code == 0}, {"exit_code", out.exit_code}, {"timed_out", out.timed_out},
          {"output", json_text(shown)}, {"problems", problems_of(shown, text_field(body, "path"))}};
}

json graph_of(StudioState& state, const json& body) {
  TempJob temp(state, body);
  const std::string svg_path = temp.path().string() + ".svg";
  CommandOutput out = run_command(state.options.hearth, with_flags({"graph", temp.path().string(), "--out", svg_path}, state),
                                  state.options.work_dir, kCommandLimit);
  json result = {{"ok", out.exit_code == 0}, {"output", json_text(temp.shown(out.output))}};
  if (out.exit_code == 0) {
    std::ifstream in(svg_path, std::ios::binary);
    result["svg"] = json_text(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
  }
  return result;
}

json save_job(const StudioState& state, const json& body) {
  const std::string shown = text_field(body, "path");
  write_file_atomically(job_path_inside(state.options.work_dir, shown), text_field(body, "toml"), "the job");
  return {{"saved", json_text(shown)}};
}

void serve_run_file(const StudioState& state, const httplib::Request& req, httplib::Response& res) {
  try {
    const fs::path run = run_folder_of(state.options.runs_dir, query(req, "run"));
    FileBytes file = read_file_inside(run, query(req, "path"), kServedFileLimit);
    res.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; sandbox");
    res.set_header("Cache-Control", "no-cache");  // a resumed run draws an epoch's picture again
    res.set_content(file.bytes, std::string(content_type_of(file.name)));
  } catch (const UsageError& e) {
    send_error(res, 404, e.what());
  }
}

}  // namespace

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(json{{"error", json_text(message)}}.dump(), "application/json");
}

void add_api_routes(httplib::Server& server, StudioState& state) {
  StudioState* s = &state;
  get_route(server, "/api/session", [s](const httplib::Request&, const json&) { return session_json(*s); });
  get_route(server, "/api/modules", [s](const httplib::Request& req, const json&) { return modules_json(*s, req.has_param("rescan")); });
  get_route(server, "/api/runs", [s](const httplib::Request&, const json&) { return runs_json(*s); });
  get_route(server, "/api/runs/detail", [s](const httplib::Request& req, const json&) { return run_detail(*s, query(req, "run")); });
  get_route(server, "/api/runs/curves", [s](const httplib::Request& req, const json&) {
    const fs::path run = run_folder_of(s->options.runs_dir, query(req, "run"));
    size_t max_points = 2000;
    if (req.has_param("max_points")) {
      try {
        max_points = std::stoul(req.get_param_value("max_points"));
      } catch (const std::exception&) {
        throw UsageError("?max_points= must be a whole number");
      }
    }
    return run_curves_json(run, planned_training(run), std::min<size_t>(std::max<size_t>(max_points, 2), 100000));
  });
  server.Get("/api/runs/file", [s](const httplib::Request& req, httplib::Response& res) { serve_run_file(*s, req, res); });
  get_route(server, "/api/processes", [s](const httplib::Request&, const json&) { return json{{"processes", s->children.list()}}; });
  post_route(server, "/api/job/parse", [](const httplib::Request&, const json& body) {
    return job_to_form(text_field(body, "toml"), body.value("path", "job.toml"));
  });
  post_route(server, "/api/job/check", [s](const httplib::Request&, const json& body) { return check_job(*s, body); });
  post_route(server, "/api/job/graph", [s](const httplib::Request&, const json& body) { return graph_of(*s, body); });
  post_route(server, "/api/job/save", [s](const httplib::Request&, const json& body) { return save_job(*s, body); });
  post_route(server, "/api/runs/start", [s](const httplib::Request&, const json& body) { return start_run(*s, body); });
  post_route(server, "/api/runs/stop", [s](const httplib::Request&, const json& body) { return stop_run(*s, text_field(body, "run")); });
  post_route(server, "/api/runs/resume", [s](const httplib::Request&, const json& body) { return resume_run(*s, text_field(body, "run")); });
  post_route(server, "/api/runs/delete", [s](const httplib::Request&, const json& body) { return delete_run(*s, text_field(body, "run")); });
  add_dataset_routes(server, state);
  add_run_view_routes(server, state);
}

}  // namespace hearth::studio
