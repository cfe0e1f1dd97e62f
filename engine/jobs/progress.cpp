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

void Progress::log_batches_to(const std::filesystem::path& file) { batch_log_.emplace(file); }

void Progress::start_epoch(int64_t epoch, int64_t batches, int64_t done) {
  epoch_ = epoch;
  batches_ = batches;
  done_ = start_done_ = done;
  samples_ = 0;
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

void Progress::batch(int64_t samples, double loss, int64_t step, double lr) {
  ++done_;
  samples_ += samples;
  loss_ = loss;
  step_ = step;
  lr_ = lr;
  if (batch_log_) {
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    batch_log_->row({epoch_ + 1, done_, batches_, loss_, elapsed > 0 ? static_cast<double>(samples_) / elapsed : 0, elapsed, step, lr});
  }
  draw(false);
}

std::string Progress::rate_text(double rate) const {
  char text[96];
  if (ranks_ > 1)
    std::snprintf(text, sizeof text, "%.0f samples/s over %d ranks (this rank %.0f)", rate * ranks_, ranks_, rate);
  else
    std::snprintf(text, sizeof text, "%.0f samples/s", rate);
  return text;
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
    std::fprintf(stderr, "\r\033[Kepoch %lld/%lld [%s] %lld/%lld  %s  ETA %lld:%02lld  loss %.4f  lr %.3g",
                 static_cast<long long>(epoch_ + 1), static_cast<long long>(epochs_), bar.c_str(),
                 static_cast<long long>(done_), static_cast<long long>(batches_), rate_text(rate).c_str(), static_cast<long long>(eta / 60),
                 static_cast<long long>(eta % 60), loss_, lr_);
    std::fflush(stderr);
  } else if (force || done_ % log_every_ == 0) {
    spdlog::info("epoch {}/{} batch {}/{}  step {}  {}  ETA {}:{:02d}  loss {:.4f}  lr {:.3g}", epoch_ + 1, epochs_, done_, batches_,
                 step_, rate_text(rate), eta / 60, eta % 60, loss_, lr_);
  }
}

void Progress::end_epoch() {
  if (tty_) {
    draw(true);
    std::fprintf(stderr, "\n");
  }
}

}  // namespace hearth
