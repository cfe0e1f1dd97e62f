#include "runs_watcher.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cmath>

#include "engine/core/byte_text.hpp"
#include "engine/runs/batch_log.hpp"
#include "engine/runs/metrics_table.hpp"
#include "engine/runs/run_listing.hpp"
#include "run_paths.hpp"
#include "run_row.hpp"

namespace hearth::studio {

namespace fs = std::filesystem;

namespace {

/// A file's size and modification time, or -1 when it is not there.
long long stamp_of(const fs::path& file, bool with_time) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return -1;
  return with_time ? static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec + st.st_size
                   : static_cast<long long>(st.st_size);
}

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

}  // namespace

RunsWatcher::RunsWatcher(fs::path runs_dir, EventHub& hub, std::chrono::milliseconds interval)
    : runs_dir_(std::move(runs_dir)), hub_(hub), interval_(interval), thread_([this] { loop(); }) {}

RunsWatcher::~RunsWatcher() {
  {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void RunsWatcher::loop() {
  bool first = true;
  while (!stop_) {
    try {
      look();
    } catch (const std::exception& e) {
      if (first) spdlog::warn("studio: cannot watch {}: {}", printable(runs_dir_.string()), e.what());
    }
    first = false;
    std::unique_lock<std::mutex> lock(wake_mutex_);
    wake_.wait_for(lock, interval_, [this] { return stop_.load(); });
  }
}

void RunsWatcher::look() {
  std::error_code ec;
  if (!fs::is_directory(runs_dir_, ec)) return;  // no run yet: the folder appears with the first
  std::map<std::string, Seen> now;
  for (const fs::path& run : find_runs(runs_dir_)) {
    const std::string id = run_id_of(runs_dir_, run);
    auto it = seen_.find(id);
    Seen seen = it == seen_.end() ? Seen{} : it->second;
    look_at(run, seen, it == seen_.end());
    now[id] = seen;
  }
  for (const auto& [id, seen] : seen_)
    if (!now.count(id)) hub_.publish("run", {{"id", json_text(id)}, {"removed", true}});
  seen_ = std::move(now);
}

void RunsWatcher::look_at(const fs::path& run, Seen& seen, bool is_new) {
  const std::string id = json_text(run_id_of(runs_dir_, run));
  const long long info_stamp = stamp_of(run / "run.json", true);
  const bool running = seen.status == "running";
  // A running run is assessed every time: a process that vanished changes nothing on disk.
  if (is_new || info_stamp != seen.info_stamp || running) {
    nlohmann::json row = run_row(runs_dir_, run);
    const std::string status = row.value("status", "");
    if (is_new || info_stamp != seen.info_stamp || status != seen.status) hub_.publish("run", row);
    seen.status = status;
    seen.info_stamp = info_stamp;
  }
  const long long metrics_size = stamp_of(run / "metrics.csv", false);
  if (metrics_size != seen.metrics_size && metrics_size > 0 && !is_new) {
    const MetricsTable table = read_metrics_table(run / "metrics.csv", DamagedRows::skip);
    if (!table.rows.empty()) {
      nlohmann::json values = nlohmann::json::object();
      for (size_t i = 0; i < table.columns.size(); ++i) values[table.columns[i]] = finite_or_null(table.rows.back()[i]);
      hub_.publish("epoch", {{"run", id}, {"values", values}});
    }
  }
  seen.metrics_size = metrics_size;
  const long long batches_size = stamp_of(run / "batches.csv", false);
  if (batches_size != seen.batches_size && batches_size > 0 && !is_new) {
    if (const std::optional<BatchRow> b = read_last_batch_row(run / "batches.csv"))
      hub_.publish("batch", {{"run", id}, {"epoch", b->epoch}, {"batch", b->batch}, {"batches", b->batches},
                             {"loss", finite_or_null(b->loss)}, {"samples_per_s", finite_or_null(b->samples_per_s)},
                             {"seconds", finite_or_null(b->seconds)}});
  }
  seen.batches_size = batches_size;
  look_at_diagnostics(run, id, seen, running);
}

// Only runs that are (or were until now) running draw pictures: the others are not listed again.
void RunsWatcher::look_at_diagnostics(const fs::path& run, const std::string& id, Seen& seen, bool was_running) {
  if (!was_running && seen.status != "running") return;
  nlohmann::json listing = run_diagnostics(run);
  size_t pictures = 0;
  for (const nlohmann::json& d : listing["diagnostics"]) pictures += d["epochs"].size();
  if (pictures != seen.pictures) hub_.publish("diagnostics", {{"run", id}, {"diagnostics", std::move(listing["diagnostics"])}});
  seen.pictures = pictures;
}

}  // namespace hearth::studio
