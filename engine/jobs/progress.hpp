// Progress of an epoch: a live bar on a terminal, plain periodic lines otherwise, and a line per
// batch in the run's batches.csv (what the studio's batch curves, samples/s and ETA read).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace hearth {

class Progress {
 public:
  /// `live`: may draw a live bar when stderr is a terminal (one process of a group draws it).
  Progress(int64_t epochs, int64_t log_every, bool live = true);
  /// Appends a row per batch to `file` from now on ("epoch,batch,batches,loss,samples_per_s,seconds";
  /// epoch and batch count from 1, seconds since the epoch started). A resumed run appends the
  /// batches it trains again: a reader keeps the last row of each (epoch, batch). The log never
  /// stops training: a write that fails is a warning and ends the log.
  void log_batches_to(const std::filesystem::path& file);
  void start_epoch(int64_t epoch, int64_t batches, int64_t done = 0);
  void batch(int64_t samples, double loss);
  void end_epoch();

 private:
  void draw(bool force);
  void log_batch(double elapsed, double rate);
  struct CloseFile {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, CloseFile> batch_log_;
  std::string batch_log_name_;
  std::chrono::steady_clock::time_point last_flush_;
  bool tty_;
  int64_t epochs_, log_every_, epoch_ = 0, batches_ = 0, done_ = 0, samples_ = 0, start_done_ = 0;
  double loss_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace hearth
