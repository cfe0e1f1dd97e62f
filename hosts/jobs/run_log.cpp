#include "hosts/jobs/run_log.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace hearth::jobs {

RunLog::RunLog(const std::filesystem::path& file) {
  sink_ = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string(), /*truncate=*/false);
  sink_->set_pattern("%Y-%m-%d %H:%M:%S.%e %l: %v");
  spdlog::default_logger()->sinks().push_back(sink_);
  // Each line reaches the file at once: a process a plugin crashes leaves no buffer unwritten.
  spdlog::default_logger()->flush_on(spdlog::level::trace);
}

void RunLog::record_error(const std::string& message) {
  sink_->log(spdlog::details::log_msg(spdlog::source_loc{}, "", spdlog::level::err, message));
  sink_->flush();
}

RunLog::~RunLog() {
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
}

}  // namespace hearth::jobs
