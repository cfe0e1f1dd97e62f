#include "hosts/jobs/run_scope.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

namespace hearth::jobs {

RunLog::RunLog(const std::filesystem::path& file) {
  sink_ = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string());
  sink_->set_pattern("%Y-%m-%d %H:%M:%S.%e %l: %v");
  spdlog::default_logger()->sinks().push_back(sink_);
}

RunLog::~RunLog() {
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
}

InterruptScope::InterruptScope() {
  interrupt_requested() = false;
  struct sigaction sa {};
  sa.sa_handler = [](int) {
    if (interrupt_requested().exchange(true)) ::_exit(130);
  };
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &previous_);
}

InterruptScope::~InterruptScope() { ::sigaction(SIGINT, &previous_, nullptr); }

int report_outcome(TrainOutcome outcome, const RunFolder& run, bool speaks) {
  switch (outcome) {
    case TrainOutcome::interrupted:
      if (!speaks) return 130;
      std::cerr << "interrupted: `last` holds the progress; continue with `hearth resume " << run.path().string() << "`\n";
      return 130;
    case TrainOutcome::stopped_early:
    case TrainOutcome::completed:
      if (!speaks) return 0;
      std::cout << "run finished: " << run.path().string() << "\n";
      return 0;
  }
  return 0;
}

}  // namespace hearth::jobs
