// The job's [[diagnostics]]: after the checkpoint of every `every`-th epoch, each looks at the
// model in evaluation mode on its fixed samples. Its picture goes to
// diagnostics/<name>/epoch-NNN.png and TensorBoard, its numbers to TensorBoard and
// diagnostics/scalars.csv, its time to run.json. One that fails is named, recorded in run.json and
// left out for the rest of the run; training goes on. Diagnostics leave no trace in training: the
// gradients and the random generators are as they were, so metrics.csv and checkpoints are the
// same with and without them.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "engine/jobs/session.hpp"
#include "engine/runs/run_folder.hpp"
#include "engine/runs/tensorboard_writer.hpp"
#include "engine/runtime/modules/diagnostic_module.hpp"
#include "engine/training/epoch_observer.hpp"

namespace hearth {

class DiagnosticsObserver final : public EpochObserver {
 public:
  /// Makes the job's diagnostics; null when it has none. `tensorboard` is the run's writer.
  static std::unique_ptr<DiagnosticsObserver> of_job(Session& session, RunFolder& run, TensorBoardWriter& tensorboard);
  DiagnosticsObserver(Session& session, RunFolder& run, TensorBoardWriter& tensorboard);
  ~DiagnosticsObserver() override;

  void after_checkpoint(const EpochReport& report) override;

 private:
  struct Slot;
  void run_slot(Slot& slot, int64_t epoch);
  /// Runs the slot's diagnostic with `host`; its picture as PNG bytes, empty when it draws none.
  std::string run_and_draw(Slot& slot, int64_t epoch, DiagnosticHost& host);
  /// Writes the slot's picture (when it drew one) and adds it to the TensorBoard file.
  void save_picture(Slot& slot, int64_t epoch, const std::string& png);

  Session& session_;
  RunFolder& run_;
  TensorBoardWriter& tensorboard_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

}  // namespace hearth
