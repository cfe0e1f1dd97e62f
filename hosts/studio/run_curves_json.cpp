#include "run_curves_json.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace hearth::studio {

namespace fs = std::filesystem;

namespace {

bool parse_number(const std::string& text, double& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

}  // namespace

std::vector<std::string> csv_cells(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

void BatchLog::update(const fs::path& file) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) return;
  const auto size = static_cast<uint64_t>(in.tellg());
  if (size < offset_) *this = BatchLog();  // rewritten, not appended to: read it again
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

void BatchLog::add_line(const std::string& line) {
  std::vector<std::string> cells = csv_cells(line);
  double v[6];
  if (cells.size() != 6) return;  // damage
  for (size_t i = 0; i < 6; ++i)
    if (!parse_number(cells[i], v[i])) return;
  if (v[0] < 1 || v[1] < 1 || v[2] < v[1]) return;
  std::pair<long long, long long> key{static_cast<long long>(v[0]), static_cast<long long>(v[1])};
  rows_[key] = {v[3], v[4], v[5], v[2]};
  last_ = key;
}

BatchPoints BatchLog::points() const {
  BatchPoints out;
  out.position.reserve(rows_.size());
  out.loss.reserve(rows_.size());
  for (const auto& [key, r] : rows_) {
    out.position.push_back(static_cast<double>(key.first - 1) + static_cast<double>(key.second) / r[3]);
    out.loss.push_back(r[0]);
  }
  if (!rows_.empty()) {
    const auto& r = rows_.at(last_);
    out.epoch = last_.first;
    out.batch = last_.second;
    out.batches = static_cast<long long>(r[3]);
    out.samples_per_s = r[1];
    out.seconds_per_batch = r[2] / static_cast<double>(last_.second);
  }
  return out;
}

BatchPoints read_batch_points(const fs::path& file) {
  BatchLog log;
  log.update(file);
  return log.points();
}

BatchPoints followed_batch_points(const fs::path& file) {
  static std::mutex mutex;
  static std::map<std::string, BatchLog> logs;
  std::lock_guard<std::mutex> lock(mutex);
  if (logs.size() >= 64 && !logs.count(file.string())) logs.clear();  // a bound, not a policy: they are read again
  BatchLog& log = logs[file.string()];
  log.update(file);
  return log.points();
}

std::vector<double> smoothed(const std::vector<double>& values, double keep) {
  std::vector<double> out;
  out.reserve(values.size());
  double ema = 0, weight = 0;
  for (double v : values) {
    if (!std::isfinite(v)) {
      out.push_back(out.empty() ? v : out.back());
      continue;
    }
    ema = ema * keep + (1 - keep) * v;
    weight = weight * keep + (1 - keep);
    out.push_back(ema / weight);  // debiased, so the first points are not pulled towards 0
  }
  return out;
}

nlohmann::json downsample(const BatchPoints& points, size_t max_points) {
  const std::vector<double> smooth = smoothed(points.loss, 0.9);
  const size_t n = points.loss.size();
  nlohmann::json x = nlohmann::json::array(), loss = nlohmann::json::array(), low = nlohmann::json::array(),
                 high = nlohmann::json::array(), smooth_out = nlohmann::json::array();
  max_points = std::max<size_t>(max_points, 2);
  const size_t buckets = std::min(n, max_points);
  auto finite_or_null = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  for (size_t b = 0; b < buckets; ++b) {
    const size_t from = b * n / buckets, to = (b + 1) * n / buckets;
    double sum = 0, lo = INFINITY, hi = -INFINITY, pos = 0, sm = 0;
    size_t finite = 0;
    for (size_t i = from; i < to; ++i) {
      pos += points.position[i];
      sm += smooth[i];
      if (!std::isfinite(points.loss[i])) continue;
      sum += points.loss[i];
      lo = std::min(lo, points.loss[i]);
      hi = std::max(hi, points.loss[i]);
      ++finite;
    }
    const double count = static_cast<double>(to - from);
    x.push_back(pos / count);
    loss.push_back(finite ? finite_or_null(sum / static_cast<double>(finite)) : nlohmann::json());
    low.push_back(finite_or_null(lo));
    high.push_back(finite_or_null(hi));
    smooth_out.push_back(finite_or_null(sm / count));
  }
  return {{"x", x}, {"loss", loss}, {"min", low}, {"max", high}, {"smoothed", smooth_out}, {"count", n}};
}

nlohmann::json read_epoch_table(const fs::path& file) {
  std::ifstream in(file);
  nlohmann::json columns = nlohmann::json::array(), rows = nlohmann::json::array();
  std::string line;
  if (!std::getline(in, line)) return {{"columns", columns}, {"rows", rows}};
  for (const std::string& c : csv_cells(line)) columns.push_back(c);
  while (std::getline(in, line)) {
    std::vector<std::string> cells = csv_cells(line);
    if (cells.size() != columns.size()) continue;
    nlohmann::json row = nlohmann::json::array();
    for (const std::string& c : cells) {
      double v = 0;
      row.push_back(parse_number(c, v) && std::isfinite(v) ? nlohmann::json(v) : nlohmann::json());
    }
    rows.push_back(std::move(row));
  }
  return {{"columns", columns}, {"rows", rows}};
}

nlohmann::json run_curves_json(const fs::path& run, long long epochs_planned, size_t max_points) {
  BatchPoints batches = followed_batch_points(run / "batches.csv");
  nlohmann::json out = {{"epochs", read_epoch_table(run / "metrics.csv")}, {"batches", downsample(batches, max_points)}};
  out["samples_per_s"] = batches.samples_per_s;
  out["position"] = {{"epoch", batches.epoch}, {"batch", batches.batch}, {"batches", batches.batches}};
  if (batches.batches > 0 && epochs_planned >= batches.epoch) {
    const double left = static_cast<double>(batches.batches - batches.batch) +
                        static_cast<double>((epochs_planned - batches.epoch) * batches.batches);
    out["eta_seconds"] = left * batches.seconds_per_batch;
  } else {
    out["eta_seconds"] = nullptr;
  }
  return out;
}

}  // namespace hearth::studio
