#include "run_curves_json.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "engine/runs/run_metrics.hpp"

namespace hearth::studio {

namespace fs = std::filesystem;

BatchPoints followed_batch_points(const fs::path& file) {
  static std::mutex mutex;
  static std::map<std::string, BatchLogReader> logs;
  std::lock_guard<std::mutex> lock(mutex);
  if (logs.size() >= 64 && !logs.count(file.string())) logs.clear();  // a bound, not a policy: they are read again
  BatchLogReader& log = logs[file.string()];
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
                 high = nlohmann::json::array(), smooth_out = nlohmann::json::array(), rate = nlohmann::json::array();
  max_points = std::max<size_t>(max_points, 2);
  const size_t buckets = std::min(n, max_points);
  auto finite_or_null = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  for (size_t b = 0; b < buckets; ++b) {
    const size_t from = b * n / buckets, to = (b + 1) * n / buckets;
    double sum = 0, lo = INFINITY, hi = -INFINITY, pos = 0, sm = 0, lr = 0;
    size_t finite = 0, rates = 0;
    for (size_t i = from; i < to; ++i) {
      pos += points.position[i];
      sm += smooth[i];
      if (i < points.lr.size() && std::isfinite(points.lr[i])) lr += points.lr[i], ++rates;
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
    rate.push_back(rates ? finite_or_null(lr / static_cast<double>(rates)) : nlohmann::json());
  }
  return {{"x", x}, {"loss", loss}, {"min", low}, {"max", high}, {"smoothed", smooth_out}, {"lr", rate}, {"count", n}};
}

nlohmann::json read_epoch_table(const fs::path& run) {
  const MetricsTable table = read_run_metrics(run, DamagedRows::skip);
  nlohmann::json rows = nlohmann::json::array();
  for (const std::vector<double>& values : table.rows) {
    nlohmann::json row = nlohmann::json::array();
    for (double v : values) row.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json());
    rows.push_back(std::move(row));
  }
  return {{"columns", table.columns}, {"rows", rows}};
}

nlohmann::json read_step_validations(const fs::path& run, int64_t batches_per_epoch) {
  const MetricsTable table = read_metrics_table(run / "valid_steps.csv", DamagedRows::skip);
  nlohmann::json out = {{"x", nlohmann::json::array()}};
  if (table.columns.size() < 4 || table.columns[1] != "epoch" || table.columns[2] != "batch" || batches_per_epoch <= 0) return out;
  for (size_t c = 3; c < table.columns.size(); ++c) out[table.columns[c]] = nlohmann::json::array();
  for (const std::vector<double>& row : table.rows) {
    // On the batch chart's axis: epochs as a fraction, batch b of epoch e at e - 1 + b / batches.
    out["x"].push_back(row[1] - 1 + row[2] / static_cast<double>(batches_per_epoch));
    for (size_t c = 3; c < table.columns.size(); ++c)
      out[table.columns[c]].push_back(std::isfinite(row[c]) ? nlohmann::json(row[c]) : nlohmann::json());
  }
  return out;
}

nlohmann::json run_curves_json(const fs::path& run, const TrainOptions& planned, size_t max_points) {
  const long long epochs_planned = planned.epochs;
  BatchPoints batches = followed_batch_points(run / "batches.csv");
  nlohmann::json out = {{"epochs", read_epoch_table(run)},
                        {"batches", downsample(batches, max_points)},
                        {"valid_steps", read_step_validations(run, batches.batches)}};
  out["samples_per_s"] = batches.samples_per_s;
  out["position"] = {{"epoch", batches.epoch}, {"batch", batches.batch}, {"batches", batches.batches}};
  if (batches.batches > 0 && epochs_planned >= batches.epoch) {
    const double left = static_cast<double>(batches.batches - batches.batch) +
                        static_cast<double>((epochs_planned - batches.epoch) * batches.batches);
    double eta = left * batches.seconds_per_batch;
    // A step limit may end the run before its epochs do; each step takes `accumulate` batches.
    if (planned.max_steps > 0 && batches.step >= 0)
      eta = std::min(eta, static_cast<double>(std::max<long long>(0, planned.max_steps - batches.step)) *
                              static_cast<double>(std::max<int64_t>(1, planned.accumulate)) * batches.seconds_per_batch);
    out["eta_seconds"] = eta;
  } else {
    out["eta_seconds"] = nullptr;
  }
  return out;
}

}  // namespace hearth::studio
