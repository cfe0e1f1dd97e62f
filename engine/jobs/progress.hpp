// Progress of an epoch: a live bar on a terminal, plain periodic lines otherwise, and a line per
// batch in the run's batches.csv (what the studio's batch curves, samples/s and ETA read).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "engine/runs/batch_log.hpp"

namespace hearth {

class Progress {
 public:
  /// `live`: may draw a live bar when stderr is a terminal (one process of a group draws it).
  Progress(int64_t epochs, int64_t log_every, bool live = true);
  /// Appends a row per batch to `file` (batches.csv, batch_log.hpp) from now on.
  void log_batches_to(const std::filesystem::path& file);
  /// Ranks training together: the lines then give the world's samples/s (each rank steps in
  /// lockstep with the others on its own share of every global batch) beside this rank's.
  void set_world_size(int ranks) { ranks_ = ranks; }
  /// `batches`: those this epoch will train (all of them, or fewer when max_steps ends it first),
  /// `done` of them already trained before a resume.
  void start_epoch(int64_t epoch, int64_t batches, int64_t done = 0);
  /// A trained batch: its loss, the optimizer steps taken so far and the rate it trained with.
  void batch(int64_t samples, double loss, int64_t step, double lr);
  void end_epoch();

 private:
  void draw(bool force);
  std::string rate_text(double rate) const;
  std::optional<BatchLogWriter> batch_log_;
  bool tty_;
  int64_t epochs_, log_every_, epoch_ = 0, batches_ = 0, done_ = 0, samples_ = 0, start_done_ = 0;
  double loss_ = 0, lr_ = 0;
  int64_t step_ = 0;
  int ranks_ = 1;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace hearth
