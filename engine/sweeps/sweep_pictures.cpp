#include "engine/sweeps/sweep_pictures.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "engine/plots/chart.hpp"
#include "engine/plots/metrics_plot.hpp"
#include "engine/plots/params_plot.hpp"
#include "engine/plots/picture_file.hpp"

namespace hearth {
namespace {

bool is_number(const std::string& text, double* out = nullptr) {
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (out) *out = v;
    return used == text.size() && std::isfinite(v);
  } catch (const std::exception&) {
    return false;
  }
}

std::vector<std::string> key_values(const SweepReport& r, size_t key);

/// "trial 3 lr=0.01 hidden=[256]": the keys that vary, by their last part.
std::string trial_label(const SweepReport& r, const TrialResult& t) {
  std::string out = "trial " + std::to_string(t.trial->trial);
  for (size_t i = 0; i < t.trial->values.size(); ++i) {
    const auto& [k, v] = t.trial->values[i];
    if (key_values(r, i).size() > 1) out += " " + k.substr(k.rfind('.') + 1) + "=" + v;
  }
  return out;
}

std::vector<const TrialResult*> scored_trials(const SweepReport& r) {
  std::vector<const TrialResult*> out;
  for (const TrialResult& t : r.trials)
    if (t.best && t.curves && (t.finished() || t.status == "running")) out.push_back(&t);
  return out;
}

void params_picture(const SweepReport& r, const fs::path& file) {
  std::vector<RunParams> runs;
  for (const TrialResult* t : scored_trials(r)) {
    RunParams p;
    p.label = trial_label(r, *t);
    for (const auto& [k, v] : t->trial->values) {
      p.values.emplace_back(k, v);
      p.numeric.push_back(is_number(v));
    }
    p.monitor = r.index->metric;
    p.best = *t->best;
    runs.push_back(std::move(p));
  }
  write_params_plot(runs, file);
}

void curves_picture(const SweepReport& r, const fs::path& file, size_t count) {
  std::vector<const TrialResult*> trials = scored_trials(r);
  if (trials.empty()) throw std::runtime_error("no trial has finished an epoch");
  std::stable_sort(trials.begin(), trials.end(), [&](const TrialResult* a, const TrialResult* b) {
    return r.maximize ? *a->best > *b->best : *a->best < *b->best;
  });
  if (trials.size() > count) trials.resize(count);
  std::vector<RunCurves> curves;
  for (const TrialResult* t : trials) {
    RunCurves c = *t->curves;
    c.label = trial_label(r, *t);
    curves.push_back(std::move(c));
  }
  write_metrics_plot(curves, file);
}

/// The distinct values of `key` among the trials, numbers in numeric order, texts as they sort.
std::vector<std::string> key_values(const SweepReport& r, size_t key) {
  std::set<std::string> seen;
  for (const PointSummary& p : r.points) seen.insert(p.values[key].second);
  std::vector<std::string> out(seen.begin(), seen.end());
  const bool numeric = std::all_of(out.begin(), out.end(), [](const std::string& s) { return is_number(s); });
  if (numeric) std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return std::stod(a) < std::stod(b); });
  return out;
}

/// One series per combination of the other keys' values (their points' means, repeats as
/// whiskers), so that a grid shows each key's effect with the rest held still.
void key_picture(const SweepReport& r, size_t key, const fs::path& file) {
  const std::vector<std::string> values = key_values(r, key);
  if (values.size() < 2) throw std::runtime_error("the sweep gives " + r.index->keys[key] + " one value only");
  std::map<std::string, Series> by_rest;
  for (const PointSummary& p : r.points) {
    if (!p.mean) continue;
    std::string rest;
    for (size_t i = 0; i < p.values.size(); ++i)
      if (i != key && key_values(r, i).size() > 1) rest += (rest.empty() ? "" : " ") + p.values[i].first.substr(p.values[i].first.rfind('.') + 1) + "=" + p.values[i].second;
    Series& s = by_rest[rest];
    s.label = rest.empty() ? r.index->metric : rest;
    const auto at = std::find(values.begin(), values.end(), p.values[key].second) - values.begin();
    s.x.push_back(static_cast<double>(at));
    s.y.push_back(*p.mean);
    s.y_error.push_back(p.stddev.value_or(0.0));
  }
  if (by_rest.empty()) throw std::runtime_error("no point has a value yet");
  Panel panel;
  panel.title = r.index->metric + " against " + r.index->keys[key];
  panel.x_label = r.index->keys[key];
  panel.y_label = r.index->metric + " (mean of repeats, whiskers: standard deviation)";
  panel.x_labels = values;
  size_t colour = 0;
  for (auto& entry : by_rest) {
    const Series& s = entry.second;  // a structured binding cannot be captured before C++20
    // Points in x order, so that the line joins neighbours.
    std::vector<size_t> order(s.x.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s.x[a] < s.x[b]; });
    Series sorted = s;
    for (size_t i = 0; i < order.size(); ++i) sorted.x[i] = s.x[order[i]], sorted.y[i] = s.y[order[i]], sorted.y_error[i] = s.y_error[order[i]];
    sorted.colour = palette_colour(colour++);
    panel.series.push_back(std::move(sorted));
  }
  write_picture(file, 900, 560, [&](cairo_t* cr, int w, int h) {
    draw_panel(cr, 0, 0, w, h, panel);
  });
}

/// "metric-optimizer.lr.png" for a key; keys are plain key paths (load_sweep checks them).
fs::path key_file(const fs::path& dir, const std::string& key) { return dir / ("metric-" + key + ".png"); }

}  // namespace

SweepPictures write_sweep_pictures(const SweepReport& report, const fs::path& dir, size_t best_curves) {
  SweepPictures out;
  auto attempt = [&](const fs::path& file, const auto& draw_it) {
    try {
      draw_it();
      out.written.push_back(file);
    } catch (const std::exception& e) {
      out.skipped.push_back(file.filename().string() + ": " + e.what());
    }
  };
  attempt(dir / "params.png", [&] { params_picture(report, dir / "params.png"); });
  attempt(dir / "curves.png", [&] { curves_picture(report, dir / "curves.png", best_curves); });
  for (size_t k = 0; k < report.index->keys.size(); ++k)
    attempt(key_file(dir, report.index->keys[k]), [&] { key_picture(report, k, key_file(dir, report.index->keys[k])); });
  return out;
}

}  // namespace hearth
