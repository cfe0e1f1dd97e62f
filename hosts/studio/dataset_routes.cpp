// The Dataset tab's routes. Each runs a `hearth` child on the job being edited (the dataset
// plugin runs there, never in the studio): `hearth dataset --json` for Load, `hearth render` for
// a page of samples drawn by their renderers, `hearth analyze` for the analyzers' reports.
// Pictures come back inline (base64 PNG), so nothing is left on disk.
#include <fstream>
#include <sstream>

#include "api_support.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/runs/run_listing.hpp"
#include "run_paths.hpp"

namespace hearth::studio {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int64_t kMostSamples = 64;

/// The last line of `output` that is a JSON object (the command's answer; logs come before it).
std::optional<json> answer_line(const std::string& output) {
  std::istringstream lines(output);
  std::optional<json> found;
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line.front() == '{') {
      try {
        found = json::parse(line);
      } catch (const std::exception&) {
      }
    }
  return found;
}

int64_t int_field(const json& body, const char* key, int64_t fallback, int64_t lo, int64_t hi) {
  auto it = body.find(key);
  if (it == body.end()) return fallback;
  if (!it->is_number_integer() || it->get<int64_t>() < lo || it->get<int64_t>() > hi)
    throw UsageError(std::string("\"") + key + "\" must be a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return it->get<int64_t>();
}

json failed(const TempJob& job, const CommandOutput& out) {
  return {{"ok", false}, {"exit_code", out.exit_code}, {"output", json_text(job.shown(out.output))}};
}

json load(StudioState& state, const json& body) {
  TempJob job(state, body);
  CommandOutput out = run_command(state.options.hearth, with_flags({"dataset", job.path().string(), "--json"}, state),
                                  state.options.work_dir, kCommandLimit);
  std::optional<json> facts = out.exit_code == 0 ? answer_line(out.output) : std::nullopt;
  if (!facts) return failed(job, out);
  (*facts)["ok"] = true;
  return *facts;
}

json samples(StudioState& state, const json& body) {
  const std::string split = body.value("split", "train");
  if (split != "train" && split != "valid" && split != "test") throw UsageError("\"split\" must be train, valid or test");
  const int64_t from = int_field(body, "from", 0, 0, int64_t{1} << 40);
  const int64_t count = int_field(body, "count", 16, 1, kMostSamples);
  const int64_t size = int_field(body, "size", 128, 32, 512);
  TempJob job(state, body);
  TempFolder pictures;
  const std::string index = std::to_string(from) + "-" + std::to_string(from + count - 1);
  CommandOutput out = run_command(
      state.options.hearth,
      with_flags({"render", job.path().string(), "--split", split, "--index", index, "--out", pictures.path().string(), "--size",
                  std::to_string(size)},
                 state),
      state.options.work_dir, kCommandLimit);
  if (out.exit_code != 0) return failed(job, out);
  // The render step names each picture POSITION-COLUMN.png, and the sheet contact-sheet.png.
  json cells = json::array();
  for (const ListedFile& f : files_inside(pictures.path(), 1)) {
    const size_t dash = f.path.find('-');
    const bool numbered = dash > 0 && dash != std::string::npos &&
                          f.path.find_first_not_of("0123456789") == dash;
    if (!numbered || f.path.size() < dash + 6 || f.path.compare(f.path.size() - 4, 4, ".png") != 0) continue;
    cells.push_back({{"position", std::stoll(f.path.substr(0, dash))},
                     {"column", json_text(f.path.substr(dash + 1, f.path.size() - dash - 5))},
                     {"png", base64(file_bytes(pictures.path() / f.path))}});
  }
  std::sort(cells.begin(), cells.end(), [](const json& a, const json& b) {
    return std::make_pair(a["position"].get<int64_t>(), a["column"].get<std::string>()) <
           std::make_pair(b["position"].get<int64_t>(), b["column"].get<std::string>());
  });
  return {{"ok", true}, {"split", split}, {"from", from}, {"cells", cells}};
}

json analyze(StudioState& state, const json& body) {
  TempJob job(state, body);
  TempFolder runs;
  CommandOutput out = run_command(state.options.hearth, with_flags({"analyze", job.path().string(), "--runs-dir", runs.path().string()}, state),
                                  state.options.work_dir, kCommandLimit);
  std::vector<fs::path> made = out.exit_code == 0 ? find_runs(runs.path()) : std::vector<fs::path>{};
  if (made.size() != 1) return failed(job, out);
  const fs::path analysis = made.front() / "analysis";
  json pictures = json::array();
  for (const ListedFile& f : files_inside(analysis, 1))
    if (f.path.size() > 4 && f.path.substr(f.path.size() - 4) == ".png")
      pictures.push_back({{"name", json_text(f.path)}, {"png", base64(file_bytes(analysis / f.path))}});
  json summary = json::object();
  try {
    summary = json::parse(file_bytes(analysis / "summary.json"));
  } catch (const std::exception&) {
  }
  return {{"ok", true}, {"pictures", pictures}, {"summary", summary}, {"output", json_text(job.shown(out.output))}};
}

}  // namespace

void add_dataset_routes(httplib::Server& server, StudioState& state) {
  StudioState* s = &state;
  post_route(server, "/api/dataset/load", [s](const httplib::Request&, const json& body) { return load(*s, body); });
  post_route(server, "/api/dataset/samples", [s](const httplib::Request&, const json& body) { return samples(*s, body); });
  post_route(server, "/api/dataset/analyze", [s](const httplib::Request&, const json& body) { return analyze(*s, body); });
}

}  // namespace hearth::studio
