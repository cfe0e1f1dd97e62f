#include "engine/sweeps/sweep_index.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/core/regular_file.hpp"
#include "engine/core/utc_timestamp.hpp"

namespace hearth {
namespace {

constexpr int kFormat = 1;

nlohmann::json trial_json(const IndexedTrial& t) {
  nlohmann::json values = nlohmann::json::array();
  for (const auto& [k, v] : t.values) values.push_back({k, v});
  nlohmann::json j = {{"trial", t.trial}, {"point", t.point}, {"repeat", t.repeat}, {"values", values},
                      {"sets", t.sets},   {"folder", t.folder}};
  j["seed"] = t.seed ? nlohmann::json(*t.seed) : nlohmann::json(nullptr);
  return j;
}

/// A folder name inside the sweep folder: one plain component, so no index can point a trial
/// elsewhere (`..`, `/`, a link's name is still only a name here).
bool inside_name(const std::string& folder) {
  const fs::path p(folder);
  if (folder.empty() || p.is_absolute()) return false;
  for (const fs::path& part : p)
    if (part == ".." || part == "." || part.empty()) return false;
  return true;
}

IndexedTrial read_trial(const nlohmann::json& j) {
  IndexedTrial t;
  t.trial = j.at("trial").get<int64_t>();
  t.point = j.at("point").get<int64_t>();
  t.repeat = j.at("repeat").get<int64_t>();
  if (!j.at("seed").is_null()) t.seed = j.at("seed").get<int64_t>();
  for (const auto& kv : j.at("values")) t.values.emplace_back(kv.at(0).get<std::string>(), kv.at(1).get<std::string>());
  t.sets = j.at("sets").get<std::vector<std::string>>();
  t.folder = j.at("folder").get<std::string>();
  return t;
}

}  // namespace

std::string trial_folder_name(int64_t trial, size_t count) {
  const int width = std::max<int>(3, static_cast<int>(std::to_string(count > 0 ? count - 1 : 0).size()));
  std::string n = std::to_string(trial);
  return "trial-" + std::string(static_cast<size_t>(std::max(0, width - static_cast<int>(n.size()))), '0') + n;
}

std::string IndexedTrial::label() const {
  std::string out;
  for (const auto& [k, v] : values) out += (out.empty() ? "" : ", ") + k + "=" + v;
  if (seed) out += ", seed " + std::to_string(*seed);
  return out;
}

const IndexedTrial& SweepIndex::trial(int64_t n) const {
  for (const IndexedTrial& t : trials)
    if (t.trial == n) return t;
  throw UsageError("sweep " + printable(dir.string()) + " has no trial " + std::to_string(n) + " (it has trials 0 to " +
                   std::to_string(static_cast<int64_t>(trials.size()) - 1) + ")");
}

SweepIndex make_sweep_index(const SweepSpec& spec, const std::vector<Trial>& trials, const std::string& job_name,
                            const fs::path& dir, const std::string& command_line) {
  SweepIndex index;
  index.dir = dir;
  index.job = spec.job;
  index.sweep_file = spec.file;
  index.job_name = job_name;
  index.method = spec.method == SweepMethod::grid ? "grid" : "random";
  index.metric = spec.metric;
  index.mode = spec.mode;
  index.repeats = spec.repeats;
  for (const SweepParameter& p : spec.parameters) index.keys.push_back(p.key);
  index.prune = spec.prune;
  index.created = utc_timestamp();
  index.command_line = command_line;
  for (const Trial& t : trials) {
    IndexedTrial it;
    it.trial = t.index;
    it.point = t.point;
    it.repeat = t.repeat;
    it.seed = t.seed;
    for (const TrialValue& v : t.values) it.values.emplace_back(v.key, v.toml);
    it.sets = t.sets();
    it.folder = "trials/" + trial_folder_name(t.index, trials.size());
    index.trials.push_back(std::move(it));
  }
  return index;
}

std::string sweep_index_json(const SweepIndex& index) {
  nlohmann::json trials = nlohmann::json::array();
  for (const IndexedTrial& t : index.trials) trials.push_back(trial_json(t));
  nlohmann::json j = {{"format", kFormat},          {"job", index.job.string()},     {"sweep_file", index.sweep_file.string()},
                      {"job_name", index.job_name}, {"method", index.method},        {"metric", index.metric},
                      {"mode", index.mode},         {"repeats", index.repeats},      {"keys", index.keys},
                      {"prune", index.prune},       {"created", index.created},      {"command_line", index.command_line},
                      {"trials", trials}};
  return j.dump(2) + "\n";
}

SweepIndex read_sweep_index(const fs::path& dir) {
  const fs::path file = dir / "sweep.json";
  std::error_code ec;
  if (!fs::exists(file, ec))
    throw UsageError(printable(dir.string()) + " is not a sweep folder (no sweep.json); make one with `hearth sweep` or `hearth sweep expand`");
  require_regular_file(file, "sweep index");
  std::ifstream in(file);
  SweepIndex index;
  index.dir = fs::absolute(dir).lexically_normal();
  std::string field = "(the file)";
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    field = "format";
    if (j.at("format").get<int>() != kFormat)
      throw UsageError(printable(file.string()) + " is of format " + j.at("format").dump() + "; this hearth reads format " +
                       std::to_string(kFormat));
    auto read = [&](const char* key, auto& out) {
      field = key;
      out = j.at(key).get<std::decay_t<decltype(out)>>();
    };
    std::string job, sweep_file;
    read("job", job);
    read("sweep_file", sweep_file);
    index.job = job;
    index.sweep_file = sweep_file;
    read("job_name", index.job_name);
    read("method", index.method);
    read("metric", index.metric);
    read("mode", index.mode);
    read("repeats", index.repeats);
    read("keys", index.keys);
    read("prune", index.prune);
    read("created", index.created);
    read("command_line", index.command_line);
    field = "trials";
    for (const nlohmann::json& t : j.at("trials")) index.trials.push_back(read_trial(t));
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    throw UsageError(printable(file.string()) + " is damaged at '" + field + "': " + e.what() +
                     "; expand the sweep again with `hearth sweep expand`");
  }
  for (const IndexedTrial& t : index.trials)
    if (!inside_name(t.folder))
      throw UsageError(printable(file.string()) + ": trial " + std::to_string(t.trial) + "'s folder '" + printable(t.folder) +
                       "' is not inside the sweep folder; the index is damaged or hostile");
  return index;
}

}  // namespace hearth
