#include "engine/runs/run_record.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include "engine/core/atomic_file.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/core/regular_file.hpp"

namespace hearth {
namespace {

using nlohmann::json;

constexpr std::pair<RunStatus, const char*> kStatusNames[] = {
    {RunStatus::created, "created"},         {RunStatus::running, "running"},
    {RunStatus::analyzing, "analyzing"},     {RunStatus::analyzed, "analyzed"},
    {RunStatus::completed, "completed"},     {RunStatus::stopped_early, "stopped_early"},
    {RunStatus::interrupted, "interrupted"}, {RunStatus::pruned, "pruned"},
    {RunStatus::failed, "failed"}};

/// Reads the keys of one JSON object, each checked for its type; a wrong one is an Error naming
/// the file and the key's path. Keys it was not asked for are left for `rest()`.
class Fields {
 public:
  Fields(const json& j, std::string path, const std::string& file) : j_(j), path_(std::move(path)), file_(file) {
    if (j_.is_object()) return;
    if (path_.empty())
      throw Error(printable(file_) + " does not hold a JSON object; the file is damaged (restore it, or remove the run)");
    throw Error(printable(file_) + ": \"" + path_ + "\" is not an object; the file is damaged (restore it, or remove the run)");
  }

  void text(const char* key, std::string& out) {
    if (const json* v = take(key)) {
      if (!v->is_string()) fail(key, "a string");
      out = v->get<std::string>();
    }
  }
  void integer(const char* key, int64_t& out) {
    if (const json* v = take(key)) {
      if (!v->is_number_integer()) fail(key, "an integer");
      out = v->get<int64_t>();
    }
  }
  void integer(const char* key, std::optional<int64_t>& out) {
    if (const json* v = take(key)) {
      if (!v->is_number_integer()) fail(key, "an integer");
      out = v->get<int64_t>();
    }
  }
  void number(const char* key, double& out) {
    if (const json* v = take(key)) {
      if (!v->is_number()) fail(key, "a number");
      out = v->get<double>();
    }
  }
  void number(const char* key, std::optional<double>& out) {
    if (const json* v = take(key)) {
      if (!v->is_number()) fail(key, "a number");
      out = v->get<double>();
    }
  }
  void texts(const char* key, std::vector<std::string>& out) {
    if (const json* v = take(key)) {
      if (!v->is_array()) fail(key, "a list of strings");
      for (const json& s : *v) {
        if (!s.is_string()) fail(key, "a list of strings");
        out.push_back(s.get<std::string>());
      }
    }
  }
  /// `read(Fields&)` for the object at `key`; returns whether it was there.
  template <typename Read>
  bool object(const char* key, Read read) {
    const json* v = take(key);
    if (!v) return false;
    Fields inner(*v, where(key), file_);
    read(inner);
    return true;
  }
  /// `read(Fields&)` for each object of the list at `key`.
  template <typename Read>
  void objects(const char* key, Read read) {
    const json* v = take(key);
    if (!v) return;
    if (!v->is_array()) fail(key, "a list of objects");
    for (const json& item : *v) {
      if (!item.is_object()) fail(key, "a list of objects");
      Fields inner(item, where(key), file_);
      read(inner);
    }
  }
  /// The raw value at `key` (nullptr when absent), for a type with a reader of its own.
  const json* raw(const char* key) { return take(key); }
  [[noreturn]] void fail(const std::string& key, const char* want) const {
    throw Error(printable(file_) + ": \"" + where(key) + "\" is not " + want +
                "; the file is damaged (restore it, or remove the run)");
  }
  /// The keys nobody asked for.
  json rest() const {
    json out = json::object();
    for (auto it = j_.begin(); it != j_.end(); ++it)
      if (!taken_.count(it.key())) out[it.key()] = it.value();
    return out;
  }

 private:
  const json* take(const char* key) {
    taken_.insert(key);
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  std::string where(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  const json& j_;
  std::string path_;
  const std::string& file_;
  std::set<std::string> taken_;
};

void read_plugin(Fields& f, PluginRecord& p) {
  f.text("table", p.table);
  f.text("category", p.category);
  f.text("pack", p.pack);
  f.text("module", p.module);
  f.text("version", p.version);
  f.text("sha256", p.sha256);
  f.text("file", p.file);
}

void read_resume(Fields& f, ResumeRecord& r) {
  f.text("time", r.time);
  f.text("command_line", r.command_line);
  f.text("found", r.found);
  f.text("detail", r.detail);
  f.text("checkpoint", r.checkpoint);
  f.integer("world_size", r.world_size);
  f.objects("plugins", [&](Fields& p) { read_plugin(p, r.plugins.emplace_back()); });
  f.objects("crashes", [&](Fields& c) {
    TakenCrash& t = r.crashes.emplace_back();
    c.text("file", t.file);
    c.text("text", t.text);
  });
}

void read_timing(Fields& f, EpochTimingRecord& t) {
  f.integer("epoch", t.epoch);
  f.number("seconds", t.seconds);
  f.number("train_seconds", t.train_seconds);
  f.number("data_wait_seconds", t.data_wait_seconds);
  f.number("allreduce_wait_seconds", t.allreduce_wait_seconds);
  f.number("diagnostics_seconds", t.diagnostics_seconds);
}

void read_progress(Fields& f, RunRecord& r) {
  f.integer("epochs_done", r.epochs_done);
  f.integer("step", r.step);
  f.integer("skipped_steps", r.skipped_steps);
  f.object("monitor", [&](Fields& m) {
    std::string mode;
    m.text("name", r.monitor.emplace().name);
    m.text("mode", mode);
    r.monitor->maximize = mode == "max";
  });
  f.object("columns", [&](Fields& c) {
    ColumnRecord& cols = r.columns.emplace();
    c.texts("losses", cols.losses);
    c.texts("metrics", cols.metrics);
  });
  f.object("best", [&](Fields& b) {
    BestRecord& best = r.best.emplace();
    b.text("monitor", best.monitor);
    b.number("value", best.value);
    b.integer("epoch", best.epoch);
    b.integer("step", best.step);
  });
  f.objects("timing", [&](Fields& t) { read_timing(t, r.timing.emplace_back()); });
  f.objects("diagnostic_failures", [&](Fields& d) {
    DiagnosticFailureRecord& failure = r.diagnostic_failures.emplace_back();
    d.text("diagnostic", failure.diagnostic);
    d.text("plugin", failure.plugin);
    d.integer("epoch", failure.epoch);
    d.text("error", failure.error);
  });
}

void read_placement(Fields& f, RunRecord& r, const std::string& file) {
  f.object("distributed", [&](Fields& d) {
    DistributedRecord& dist = r.distributed.emplace();
    d.text("launcher", dist.launcher);
    d.text("backend", dist.backend);
    d.text("master", dist.master);
    d.integer("world_size", dist.world_size);
    d.texts("ranks", dist.ranks);
  });
  f.object("sweep", [&](Fields& s) {
    SweepPlacementRecord& sweep = r.sweep.emplace();
    s.text("dir", sweep.dir);
    s.integer("trial", sweep.trial);
  });
  f.object("init", [&](Fields& i) {
    InitRecord& init = r.init.emplace();
    i.text("source", init.source);
    i.text("file", init.file);
    i.text("sha256", init.sha256);
    i.integer("loaded", init.loaded);
    i.texts("not_loaded", init.not_loaded);
  });
  if (const json* p = f.raw("process")) {
    try {
      r.process = process_from_json(*p);
    } catch (const Error& e) {
      throw Error(printable(file) + ": \"process\": " + e.what() + "; the file is damaged (restore it, or remove the run)");
    }
  }
}

json plugins_json(const std::vector<PluginRecord>& plugins) {
  json out = json::array();
  for (const PluginRecord& p : plugins) out.push_back(to_json(p));
  return out;
}

/// `value` under `key` unless it is empty.
void put_text(json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = json_text(value);
}

json resume_json(const ResumeRecord& r) {
  json j = {{"time", r.time}, {"command_line", json_text(r.command_line)}, {"found", r.found},
            {"checkpoint", r.checkpoint}, {"world_size", r.world_size}, {"plugins", plugins_json(r.plugins)}};
  put_text(j, "detail", r.detail);
  if (!r.crashes.empty()) {
    json crashes = json::array();
    for (const TakenCrash& c : r.crashes) crashes.push_back({{"file", json_text(c.file)}, {"text", json_text(c.text)}});
    j["crashes"] = crashes;
  }
  return j;
}

json timing_json(const std::vector<EpochTimingRecord>& timing) {
  json out = json::array();
  for (const EpochTimingRecord& t : timing) {
    json entry = {{"epoch", t.epoch}, {"seconds", t.seconds}, {"train_seconds", t.train_seconds},
                  {"data_wait_seconds", t.data_wait_seconds}};
    if (t.allreduce_wait_seconds) entry["allreduce_wait_seconds"] = *t.allreduce_wait_seconds;
    if (t.diagnostics_seconds) entry["diagnostics_seconds"] = *t.diagnostics_seconds;
    out.push_back(entry);
  }
  return out;
}

void put_progress(json& j, const RunRecord& r) {
  if (r.monitor) j["monitor"] = {{"name", r.monitor->name}, {"mode", r.monitor->maximize ? "max" : "min"}};
  if (r.columns) j["columns"] = {{"losses", r.columns->losses}, {"metrics", r.columns->metrics}};
  if (r.epochs_done > 0 || r.monitor) {
    j["epochs_done"] = r.epochs_done;
    j["step"] = r.step;
    j["skipped_steps"] = r.skipped_steps;
  }
  if (r.best) {
    j["best"] = {{"monitor", r.best->monitor}, {"value", r.best->value}, {"epoch", r.best->epoch}};
    if (r.best->step) j["best"]["step"] = *r.best->step;
  }
  if (!r.timing.empty() || r.monitor) j["timing"] = timing_json(r.timing);
  for (const DiagnosticFailureRecord& d : r.diagnostic_failures)
    j["diagnostic_failures"].push_back(
        {{"diagnostic", d.diagnostic}, {"plugin", d.plugin}, {"epoch", d.epoch}, {"error", d.error}});
}

void put_placement(json& j, const RunRecord& r) {
  if (!r.resumes.empty()) {
    j["resumes"] = json::array();
    for (const ResumeRecord& resume : r.resumes) j["resumes"].push_back(resume_json(resume));
  }
  if (r.distributed) {
    const DistributedRecord& d = *r.distributed;
    j["distributed"] = {{"launcher", d.launcher}, {"world_size", d.world_size}, {"backend", d.backend},
                        {"master", d.master},     {"ranks", d.ranks}};
  }
  if (r.sweep) j["sweep"] = {{"dir", json_text(r.sweep->dir)}, {"trial", r.sweep->trial}};
  if (r.init)
    j["init"] = {{"source", json_text(r.init->source)}, {"file", json_text(r.init->file)}, {"sha256", r.init->sha256},
                 {"loaded", r.init->loaded},            {"not_loaded", r.init->not_loaded}};
  if (r.process) j["process"] = to_json(*r.process);
}

}  // namespace

const char* status_name(RunStatus status) {
  for (const auto& [s, name] : kStatusNames)
    if (s == status) return name;
  return "?";
}

std::optional<RunStatus> status_of_name(const std::string& name) {
  for (const auto& [s, n] : kStatusNames)
    if (name == n) return s;
  return std::nullopt;
}

double RunRecord::trained_seconds() const {
  double s = 0;
  for (const EpochTimingRecord& t : timing) s += t.seconds;
  return s;
}

json to_json(const PluginRecord& p) {
  json j = {{"table", p.table}, {"module", json_text(p.module)}, {"pack", json_text(p.pack)},
            {"version", json_text(p.version)}, {"sha256", p.sha256}, {"file", json_text(p.file)}};
  put_text(j, "category", p.category);
  return j;
}

PluginRecord plugin_record_from_json(const json& j, const std::string& where) {
  PluginRecord p;
  Fields f(j, "plugins", where);
  read_plugin(f, p);
  return p;
}

json to_json(const RunRecord& r) {
  json j = r.unknown.is_object() ? r.unknown : json::object();
  j["status"] = status_name(r.status);
  j["job"] = json_text(r.job);
  j["job_file"] = json_text(r.job_file);
  j["job_folder"] = json_text(r.job_folder);
  j["plugin_paths"] = json::array();
  for (const std::string& p : r.plugin_paths) j["plugin_paths"].push_back(json_text(p));
  j["command_line"] = json_text(r.command_line);
  j["created"] = r.created;
  put_text(j, "finished", r.finished);
  if (!r.host.hearth.empty()) j["host"] = {{"hearth", r.host.hearth}, {"abi", r.host.abi}, {"torch", r.host.torch}};
  j["device"] = r.device;
  j["plugins"] = plugins_json(r.plugins);
  if (!r.classes.empty()) {
    j["classes"] = json::array();
    for (const std::string& c : r.classes) j["classes"].push_back(json_text(c));
  }
  put_text(j, "error", r.error);
  put_text(j, "pruned", r.pruned);
  put_progress(j, r);
  put_placement(j, r);
  return j;
}

RunRecord run_record_from_json(const json& j, const std::string& file) {
  RunRecord r;
  Fields f(j, "", file);
  std::string status;
  f.text("status", status);
  if (!status.empty()) {
    std::optional<RunStatus> s = status_of_name(status);
    if (!s) f.fail("status", "a run status (created, running, completed, stopped_early, interrupted, pruned, failed, ...)");
    r.status = *s;
  }
  for (auto [key, out] : {std::pair{"job", &r.job}, {"job_file", &r.job_file}, {"job_folder", &r.job_folder},
                          {"command_line", &r.command_line}, {"created", &r.created}, {"finished", &r.finished},
                          {"device", &r.device}, {"error", &r.error}, {"pruned", &r.pruned}})
    f.text(key, *out);
  f.texts("plugin_paths", r.plugin_paths);
  f.texts("classes", r.classes);
  f.object("host", [&](Fields& h) {
    h.text("hearth", r.host.hearth);
    h.text("abi", r.host.abi);
    h.text("torch", r.host.torch);
  });
  f.objects("plugins", [&](Fields& p) { read_plugin(p, r.plugins.emplace_back()); });
  read_progress(f, r);
  f.objects("resumes", [&](Fields& resume) { read_resume(resume, r.resumes.emplace_back()); });
  read_placement(f, r, file);
  r.unknown = f.rest();
  return r;
}

RunRecord read_run_record(const std::filesystem::path& run) {
  const std::filesystem::path file = run / "run.json";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    throw UsageError(printable(run.string()) + " is not a run folder (no run.json); `hearth runs list` shows runs");
  require_regular_file(file, "run record");
  std::ifstream in(file);
  json j;
  try {
    j = json::parse(in);
  } catch (const std::exception& e) {
    throw Error(printable(file.string()) + " is unreadable: " + e.what() + "; restore it, or remove the run");
  }
  return run_record_from_json(j, file.string());
}

void write_run_record(const std::filesystem::path& run, const RunRecord& record) {
  write_file_atomically(run / "run.json", to_json(record).dump(2) + "\n");
}

}  // namespace hearth
