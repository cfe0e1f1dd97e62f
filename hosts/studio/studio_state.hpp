// What the studio's request handlers share while it serves.
#pragma once

#include <httplib.h>

#include <atomic>
#include <mutex>

#include "child_processes.hpp"
#include "event_hub.hpp"
#include "runs_watcher.hpp"
#include "studio.hpp"

namespace hearth::studio {

struct StudioState {
  explicit StudioState(const StudioOptions& o) : options(o), children(o.hearth) {}
  const StudioOptions& options;
  ChildProcesses children;
  EventHub events;
  std::atomic<bool> stopping{false};
  std::atomic<unsigned> temp_counter{0};
  std::mutex registry_mutex;
  std::optional<PluginRegistry> registry;  ///< discovered on first use
};

/// Adds every /api/ route but /api/events.
void add_api_routes(httplib::Server& server, StudioState& state);

/// The Dataset tab's routes: /api/dataset/load, samples and analyze (dataset_routes.cpp).
void add_dataset_routes(httplib::Server& server, StudioState& state);

/// Views of finished work: /api/runs/params, /api/runs/predictions, /api/sweeps (run_views_routes.cpp).
void add_run_view_routes(httplib::Server& server, StudioState& state);

/// Answers with {"error": message} and `status`.
void send_error(httplib::Response& res, int status, const std::string& message);

}  // namespace hearth::studio
