#include "engine/plots/metrics_plot.hpp"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/plots/chart.hpp"
#include "engine/plots/picture_file.hpp"

namespace hearth {
namespace {

bool is_split_column(const std::string& c) { return c.rfind("train.", 0) == 0 || c.rfind("valid.", 0) == 0; }
std::string name_of(const std::string& c) { return c.substr(c.find('.') + 1); }

bool is_loss(const RunCurves& r, const std::string& name) {
  return name == "loss" || std::find(r.loss_names.begin(), r.loss_names.end(), name) != r.loss_names.end();
}

std::string best_text(const RunCurves& r) {
  if (!r.best_epoch || !std::isfinite(*r.best_epoch)) return "";
  char buf[96];
  std::snprintf(buf, sizeof buf, "best %s = %.4g @ epoch %d", r.monitor.c_str(), r.best_value.value_or(NAN),
                static_cast<int>(*r.best_epoch));
  return buf;
}

/// Adds the curves of `r` whose metric name is `name` to `panel`.
void add_curves(Panel& panel, const RunCurves& r, size_t run_index, size_t run_count, const std::string& name,
                size_t& colour_index) {
  const std::vector<double>& epochs = r.values.at("epoch");
  for (const char* split : {"train", "valid"}) {
    std::string column = std::string(split) + "." + name;
    auto it = r.values.find(column);
    if (it == r.values.end()) continue;
    if (std::none_of(it->second.begin(), it->second.end(), [](double v) { return std::isfinite(v); })) continue;
    Series s;
    s.x = epochs;
    s.y = it->second;
    s.dashed = std::string(split) == "train";
    if (run_count > 1) {
      s.colour = palette_colour(run_index);
      s.label = r.label + " " + column;
    } else {
      // A loss and its train/valid pair share a colour; dashes tell them apart.
      s.colour = palette_colour(colour_index);
      s.label = column;
    }
    panel.series.push_back(std::move(s));
  }
  if (run_count == 1) ++colour_index;
}

/// The losses by optimizer step: every batch's train loss and each validation's.
Panel step_panel(const StepCurves& steps) {
  Panel p{"Loss by step", "step", "loss", AxisScale::sqrt, {}, {}, {}};
  Series train;
  train.x = steps.train_step;
  train.y = steps.train_loss;
  train.markers = false;
  train.dashed = true;
  train.colour = palette_colour(0);
  train.label = "train.loss (each batch)";
  p.series.push_back(std::move(train));
  if (!steps.valid_step.empty()) {
    Series valid;
    valid.x = steps.valid_step;
    valid.y = steps.valid_loss;
    valid.colour = palette_colour(0);
    valid.label = "valid.loss";
    p.series.push_back(std::move(valid));
  }
  return p;
}

}  // namespace

void write_metrics_plot(const std::vector<RunCurves>& runs, const std::filesystem::path& out) {
  std::vector<Panel> panels;
  Panel loss{"Loss", "epoch", "loss", AxisScale::sqrt, {}, {}, {}};
  std::vector<std::string> metric_names, loss_names;
  for (const RunCurves& r : runs)
    for (const std::string& c : r.columns) {
      if (!is_split_column(c)) continue;
      auto& list = is_loss(r, name_of(c)) ? loss_names : metric_names;
      if (std::find(list.begin(), list.end(), name_of(c)) == list.end()) list.push_back(name_of(c));
    }
  size_t colour = 0;
  for (size_t i = 0; i < runs.size(); ++i)
    for (const std::string& n : loss_names) add_curves(loss, runs[i], i, runs.size(), n, colour);
  panels.push_back(std::move(loss));
  if (runs.size() == 1 && !runs[0].steps.train_step.empty()) panels.push_back(step_panel(runs[0].steps));
  for (const std::string& n : metric_names) {
    Panel p{n, "epoch", n, AxisScale::linear, {}, {}, {}};
    size_t first_colour = 0;
    for (size_t i = 0; i < runs.size(); ++i) add_curves(p, runs[i], i, runs.size(), n, first_colour);
    panels.push_back(std::move(p));
  }
  // One run whose batches kept their rates: the rate of every step (a per-batch schedule shows
  // its warmup and decay); else each epoch's first.
  const bool by_step = runs.size() == 1 && std::any_of(runs[0].steps.lr.begin(), runs[0].steps.lr.end(), [](double v) {
    return std::isfinite(v);
  });
  Panel lr{"Learning rate", by_step ? "step" : "epoch", "learning rate", AxisScale::linear, {}, {}, {}};
  double lo = INFINITY, hi = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    auto it = runs[i].values.find("lr");
    if (it == runs[i].values.end() && !by_step) continue;
    Series s;
    s.x = by_step ? runs[i].steps.train_step : runs[i].values.at("epoch");
    s.y = by_step ? runs[i].steps.lr : it->second;
    s.markers = !by_step;
    s.colour = palette_colour(runs.size() > 1 ? i : 0);
    s.label = runs.size() > 1 ? runs[i].label : by_step ? "lr (each step)" : "lr (at the start of the epoch)";
    for (double v : s.y)
      if (std::isfinite(v) && v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
    lr.series.push_back(std::move(s));
  }
  if (hi > 0 && hi / lo > 20) lr.scale = AxisScale::log;
  if (!lr.series.empty()) panels.push_back(std::move(lr));

  // The best epoch, on every panel, when one run is drawn (several runs: the legend suffices).
  if (runs.size() == 1 && runs[0].best_epoch && std::isfinite(*runs[0].best_epoch))
    for (Panel& p : panels)
      if (p.x_label == "epoch")
        p.marks.push_back({*runs[0].best_epoch, "best epoch " + std::to_string(static_cast<int>(*runs[0].best_epoch))});

  const int columns = panels.size() > 1 ? 2 : 1, panel_w = 580, panel_h = 380, header = runs.size() > 1 ? 56 : 64;
  const int rows = static_cast<int>((panels.size() + columns - 1) / columns);
  const int width = columns * panel_w + 20, height = header + rows * panel_h + 10;
  write_picture(out, width, height, [&](cairo_t* cr, int w, int) {
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    set_font(cr, 17, true);
    draw::text(cr, runs.size() == 1 ? "Metrics of " + runs[0].label : "Metrics of " + std::to_string(runs.size()) + " runs",
              w / 2.0, 28, 0.5);
    set_font(cr, 12);
    std::string sub = runs.size() == 1 ? best_text(runs[0]) : "dashed: train, solid: valid";
    if (runs.size() == 1) sub += std::string(sub.empty() ? "" : "; ") + "dashed: train, solid: valid";
    draw::text(cr, sub, w / 2.0, 48, 0.5);
    for (size_t i = 0; i < panels.size(); ++i) {
      double x = 10 + static_cast<double>(i % columns) * panel_w;
      double y = header + static_cast<double>(i / columns) * panel_h;
      draw_panel(cr, x, y, panel_w - 10, panel_h - 10, panels[i]);
    }
  });
}

}  // namespace hearth
