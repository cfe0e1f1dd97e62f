// The training loop's contract with its observers (engine/training/epoch_observer.hpp), which the
// checkpointer, the recorder and every later callback or diagnostic rely on: each epoch passes
// judge, record, checkpoint, after_checkpoint and verdict in that order, observers in the order
// added; a verdict ends training; and training alone never asks about a group.
#include "unit/catch.hpp"

#include <string>
#include <vector>

#include "engine/jobs/job.hpp"
#include "engine/jobs/session.hpp"
#include "engine/training/monitor_plan.hpp"
#include "engine/training/train_loop.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const std::string kJob = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";

/// Writes down every call it gets, as "NAME phase epoch".
class Recording final : public EpochObserver {
 public:
  Recording(std::string name, std::vector<std::string>& log, int64_t stop_after = -1)
      : name_(std::move(name)), log_(log), stop_after_(stop_after) {}
  void judge(EpochReport& r) override {
    note("judge", r.epoch);
    seen_values.push_back(r.row.count("train.loss") == 1 && r.monitored.has_value());
  }
  void record(const EpochReport& r) override { note("record", r.epoch); }
  void checkpoint(const EpochReport& r) override { note("checkpoint", r.epoch); }
  void after_checkpoint(const EpochReport& r) override { note("after_checkpoint", r.epoch); }
  std::optional<TrainOutcome> verdict(const EpochReport& r) override {
    note("verdict", r.epoch);
    if (r.epoch == stop_after_) return TrainOutcome::stopped_early;
    return std::nullopt;
  }
  std::vector<bool> seen_values;

 private:
  void note(const char* phase, int64_t epoch) { log_.push_back(name_ + " " + phase + " " + std::to_string(epoch)); }
  std::string name_;
  std::vector<std::string>& log_;
  int64_t stop_after_;
};

}  // namespace

TEST_CASE("each epoch passes the observers' phases in order and a verdict ends training", "[training]") {
  TempDir cache;
  PluginRegistry reg = PluginRegistry::discover(isolated_discovery(cache.path(), {}));
  Job job = load_job(kJob, {"train.epochs=5"}, reg);
  Session session(job);
  session.start_training();
  const MonitorPlan plan = plan_columns(job, session.modules(), true);
  Progress progress(5, 1000, false);
  TrainLoop loop(session, plan, progress, {});
  std::vector<std::string> log;
  Recording first("a", log), second("b", log, 1);  // b ends training after epoch 2 (0-based 1)
  loop.observe(first);
  loop.observe(second);
  CHECK(loop.run() == TrainOutcome::stopped_early);

  std::vector<std::string> expected;
  for (int epoch = 0; epoch < 2; ++epoch)
    for (const char* phase : {"judge", "record", "checkpoint", "after_checkpoint", "verdict"})
      for (const char* who : {"a", "b"}) expected.push_back(std::string(who) + " " + phase + " " + std::to_string(epoch));
  CHECK(log == expected);
  CHECK(first.seen_values == std::vector<bool>{true, true});  // the row is whole when judging starts
  CHECK(session.step() == 2 * 16);  // 512 samples in batches of 32, twice
}
