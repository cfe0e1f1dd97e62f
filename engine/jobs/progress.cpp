#include "engine/jobs/progress.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "engine/core/byte_text.hpp"

namespace hearth {

Progress::Progress(int64_t epochs, int64_t log_every, bool live)
    : tty_(live && ::isatty(STDERR_FILENO) != 0), epochs_(epochs), log_every_(log_every) {}

void Progress::log_batches_to(const std::filesystem::path& file) {
  batch_log_name_ = printable(file.string());
  const bool fresh = !std::filesystem::exists(file);
  batch_log_.reset(std::fopen(file.c_str(), "a"));
  if (!batch_log_) {
    spdlog::warn("cannot write {}: {}; the studio shows no batch curve for this run", batch_log_name_, std::strerror(errno));
    return;
  }
  if (fresh) std::fputs("epoch,batch,batches,loss,samples_per_s,seconds\n", batch_log_.get());
  last_flush_ = std::chrono::steady_clock::now();
}

void Progress::log_batch(double elapsed, double rate) {
  std::FILE* f = batch_log_.get();
  std::fprintf(f, "%lld,%lld,%lld,%.9g,%.6g,%.6g\n", static_cast<long long>(epoch_ + 1), static_cast<long long>(done_),
               static_cast<long long>(batches_), loss_, rate, elapsed);
  // Flushed twice a second and at the epoch's end, so that a reader sees batches while they train.
  auto now = std::chrono::steady_clock::now();
  const bool flush = done_ >= batches_ || std::chrono::duration<double>(now - last_flush_).count() >= 0.5;
  if (flush) last_flush_ = now;
  if (std::ferror(f) != 0 || (flush && std::fflush(f) != 0)) {
    spdlog::warn("cannot write {}: {}; no more batches are logged there", batch_log_name_, std::strerror(errno));
    batch_log_.reset();
  }
}

void Progress::start_epoch(int64_t epoch, int64_t batches, int64_t done) {
  epoch_ = epoch;
  batches_ = batches;
  done_ = start_done_ = done;
  samples_ = 0;
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

void Progress::batch(int64_t samples, double loss) {
  ++done_;
  samples_ += samples;
  loss_ = loss;
  if (batch_log_) {
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    log_batch(elapsed, elapsed > 0 ? static_cast<double>(samples_) / elapsed : 0);
  }
  draw(false);
}

void Progress::draw(bool force) {
  auto now = std::chrono::steady_clock::now();
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double rate = elapsed > 0 ? static_cast<double>(samples_) / elapsed : 0;
  double per_batch = done_ > start_done_ ? elapsed / static_cast<double>(done_ - start_done_) : 0;
  auto eta = static_cast<int64_t>(per_batch * static_cast<double>(batches_ - done_));
  if (tty_) {
    if (!force && std::chrono::duration<double>(now - last_draw_).count() < 0.2 && done_ < batches_) return;
    last_draw_ = now;
    int width = 24;
    int filled = batches_ ? static_cast<int>(width * done_ / batches_) : width;
    std::string bar = std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(width - filled), '.');
    std::fprintf(stderr, "\r\033[Kepoch %lld/%lld [%s] %lld/%lld  %.0f samples/s  ETA %lld:%02lld  loss %.4f",
                 static_cast<long long>(epoch_ + 1), static_cast<long long>(epochs_), bar.c_str(),
                 static_cast<long long>(done_), static_cast<long long>(batches_), rate, static_cast<long long>(eta / 60),
                 static_cast<long long>(eta % 60), loss_);
    std::fflush(stderr);
  } else if (force || done_ % log_every_ == 0) {
    spdlog::info("epoch {}/{} batch {}/{}  {:.0f} samples/s  ETA {}:{:02d}  loss {:.4f}", epoch_ + 1, epochs_, done_,
                 batches_, rate, eta / 60, eta % 60, loss_);
  }
}

void Progress::end_epoch() {
  if (tty_) {
    draw(true);
    std::fprintf(stderr, "\n");
  }
}

}  // namespace hearth
