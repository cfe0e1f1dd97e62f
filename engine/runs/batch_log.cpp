#include "engine/runs/batch_log.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/core/byte_text.hpp"

namespace hearth {
namespace {

// Files written before step and lr were kept have the first six columns only; both are read.
constexpr const char* kHeader = "epoch,batch,batches,loss,samples_per_s,seconds,step,lr\n";

bool parse_number(const std::string& text, double& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

}  // namespace

BatchLogWriter::BatchLogWriter(const std::filesystem::path& file) : name_(printable(file.string())) {
  const bool fresh = !std::filesystem::exists(file);
  out_.reset(std::fopen(file.c_str(), "a"));
  if (!out_) {
    spdlog::warn("cannot write {}: {}; the studio shows no batch curve for this run", name_, std::strerror(errno));
    return;
  }
  if (fresh) std::fputs(kHeader, out_.get());
  last_flush_ = std::chrono::steady_clock::now();
}

void BatchLogWriter::row(const BatchRow& r) {
  std::FILE* f = out_.get();
  if (!f) return;
  std::fprintf(f, "%lld,%lld,%lld,%.9g,%.6g,%.6g,%lld,%.9g\n", static_cast<long long>(r.epoch), static_cast<long long>(r.batch),
               static_cast<long long>(r.batches), r.loss, r.samples_per_s, r.seconds, static_cast<long long>(r.step), r.lr);
  // Flushed twice a second and at the epoch's end, so that a reader sees batches while they train.
  auto now = std::chrono::steady_clock::now();
  const bool flush = r.batch >= r.batches || std::chrono::duration<double>(now - last_flush_).count() >= 0.5;
  if (flush) last_flush_ = now;
  if (std::ferror(f) != 0 || (flush && std::fflush(f) != 0)) {
    spdlog::warn("cannot write {}: {}; no more batches are logged there", name_, std::strerror(errno));
    out_.reset();
  }
}

void BatchLogReader::update(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) return;
  const auto size = static_cast<uint64_t>(in.tellg());
  if (size < offset_) *this = BatchLogReader();  // rewritten, not appended to: read it again
  in.seekg(static_cast<std::streamoff>(offset_));
  std::string added(static_cast<size_t>(size - offset_), '\0');
  in.read(added.data(), static_cast<std::streamsize>(added.size()));
  added.resize(static_cast<size_t>(in.gcount()));
  const size_t end = added.rfind('\n');
  if (end == std::string::npos) return;  // no whole line yet
  offset_ += end + 1;
  size_t start = 0;
  if (!header_) {
    start = added.find('\n') + 1;
    header_ = true;
  }
  while (start <= end) {
    const size_t stop = added.find('\n', start);
    add_line(added.substr(start, stop - start));
    start = stop + 1;
  }
}

std::optional<BatchRow> parse_batch_row(const std::string& line) {
  std::vector<std::string> cells;
  std::istringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
  double v[8];
  if ((cells.size() != 6 && cells.size() != 8) || (!line.empty() && line.back() == ',')) return std::nullopt;  // damage
  for (size_t i = 0; i < cells.size(); ++i)
    if (!parse_number(cells[i], v[i])) return std::nullopt;
  if (v[0] < 1 || v[1] < 1 || v[2] < v[1]) return std::nullopt;
  BatchRow row{static_cast<int64_t>(v[0]), static_cast<int64_t>(v[1]), static_cast<int64_t>(v[2]), v[3], v[4], v[5]};
  if (cells.size() == 8) {
    row.step = static_cast<int64_t>(v[6]);
    row.lr = v[7];
  }
  return row;
}

std::optional<BatchRow> read_last_batch_row(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  const std::streamoff size = in.tellg();
  if (size <= 0) return std::nullopt;
  const std::streamoff from = std::max<std::streamoff>(0, size - 8192);
  in.seekg(from);
  std::string tail(static_cast<size_t>(size - from), '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  const size_t end = tail.rfind('\n');
  if (end == std::string::npos || end == 0) return std::nullopt;
  const size_t before = tail.rfind('\n', end - 1);
  const size_t start = before == std::string::npos ? 0 : before + 1;
  return parse_batch_row(tail.substr(start, end - start));
}

void BatchLogReader::add_line(const std::string& line) {
  const std::optional<BatchRow> row = parse_batch_row(line);
  if (!row) return;
  rows_[{row->epoch, row->batch}] = *row;
  last_ = row;
}

BatchPoints BatchLogReader::points() const {
  BatchPoints out;
  out.position.reserve(rows_.size());
  out.loss.reserve(rows_.size());
  out.lr.reserve(rows_.size());
  for (const auto& [key, r] : rows_) {
    out.position.push_back(static_cast<double>(key.first - 1) + static_cast<double>(key.second) / static_cast<double>(r.batches));
    out.loss.push_back(r.loss);
    out.lr.push_back(r.lr);
    out.steps.push_back(r.step >= 0 ? static_cast<double>(r.step) : std::nan(""));
  }
  if (last_) {
    out.epoch = last_->epoch;
    out.batch = last_->batch;
    out.batches = last_->batches;
    out.samples_per_s = last_->samples_per_s;
    out.step = last_->step;
    out.seconds_per_batch = last_->seconds / static_cast<double>(last_->batch);
  }
  return out;
}

std::optional<BatchRow> BatchLogReader::last() const { return last_; }

BatchPoints read_batch_points(const std::filesystem::path& file) {
  BatchLogReader log;
  log.update(file);
  return log.points();
}

}  // namespace hearth
