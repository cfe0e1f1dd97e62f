// What the studio's route files share: JSON routes that turn exceptions into 4xx and 5xx
// answers, request fields, and a job's text in a temporary file beside where it is saved.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "engine/core/error.hpp"
#include "studio_state.hpp"

namespace hearth::studio {

/// How long a short child command (check, graph, dataset, render, analyze) may take.
constexpr auto kCommandLimit = std::chrono::seconds(120);

/// A request that the state of a run refuses (stop a finished run, delete a running one): 409.
struct Conflict : UsageError {
  using UsageError::UsageError;
};

/// A handler's answer; UsageError becomes 400, Conflict 409, any other exception 500.
using JsonHandler = std::function<nlohmann::json(const httplib::Request&, const nlohmann::json& body)>;

void get_route(httplib::Server& server, const std::string& pattern, JsonHandler handler);

/// A POST whose body must be a JSON object sent as application/json (a form on another site
/// cannot send that without the browser asking first): 415 or 400 otherwise.
void post_route(httplib::Server& server, const std::string& pattern, JsonHandler handler);

/// body[key] as a string; throws UsageError when it is missing or not one.
std::string text_field(const nlohmann::json& body, const char* key);

/// ?key=; throws UsageError when absent.
std::string query(const httplib::Request& req, const char* key);

/// `args` followed by the discovery flags every child gets.
std::vector<std::string> with_flags(std::vector<std::string> args, const StudioState& state);

/// `bytes` in base64 (for pictures sent inline as data: URLs).
std::string base64(const std::string& bytes);

/// A whole file's bytes ("" when it cannot be read).
std::string file_bytes(const std::filesystem::path& file);

/// A job's text (body "toml") in a hidden file beside where body "path" would be saved, so that
/// its relative paths resolve as they will; removed (with FILE.svg) when this goes out of scope.
class TempJob {
 public:
  TempJob(StudioState& state, const nlohmann::json& body);
  ~TempJob();
  TempJob(const TempJob&) = delete;
  TempJob& operator=(const TempJob&) = delete;
  const std::filesystem::path& path() const { return path_; }
  const std::string& shown_name() const { return shown_; }
  /// `text` with the temporary file's name replaced by the job's.
  std::string shown(std::string text) const;

 private:
  std::string shown_;
  std::filesystem::path path_;
};

/// A fresh private folder under the system's temporary folder, removed with its contents when
/// this goes out of scope.
class TempFolder {
 public:
  TempFolder();
  ~TempFolder();
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace hearth::studio
