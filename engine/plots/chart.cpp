#include "engine/plots/chart.hpp"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace hearth {

namespace {

double forward(AxisScale s, double v) {
  switch (s) {
    case AxisScale::sqrt: return std::sqrt(std::max(v, 0.0));
    case AxisScale::log: return std::log10(std::max(v, 1e-300));
    case AxisScale::linear: break;
  }
  return v;
}

/// Ticks for the value range [lo, hi] under a scale, as values (not transformed).
std::vector<double> scale_ticks(AxisScale s, double lo, double hi) {
  if (s == AxisScale::log) {
    std::vector<double> t;
    for (double e = std::floor(std::log10(lo)); e <= std::ceil(std::log10(hi)); ++e) {
      double v = std::pow(10.0, e);
      if (v >= lo * 0.999 && v <= hi * 1.001) t.push_back(v);
    }
    if (t.size() < 2) return nice_ticks(lo, hi, 4);
    return t;
  }
  return nice_ticks(lo, hi, 5);
}

using draw::set_colour;

/// The error of point i of `s`, or 0.
double error_at(const Series& s, size_t i) { return i < s.y_error.size() && std::isfinite(s.y_error[i]) ? s.y_error[i] : 0.0; }

/// Whiskers from y - e to y + e, with caps.
template <class Px, class Py>
void draw_whiskers(cairo_t* cr, const Series& s, Px px, Py py) {
  cairo_set_line_width(cr, 1.5);
  for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
    const double e = error_at(s, i);
    if (e <= 0 || !std::isfinite(s.y[i])) continue;
    const double h = px(s.x[i]);
    cairo_move_to(cr, h, py(s.y[i] - e));
    cairo_line_to(cr, h, py(s.y[i] + e));
    for (double end : {s.y[i] - e, s.y[i] + e}) {
      cairo_move_to(cr, h - 4, py(end));
      cairo_line_to(cr, h + 4, py(end));
    }
    cairo_stroke(cr);
  }
}

/// The panel's data range, whiskers included, widened where it is a single value; `empty` when
/// no point is finite (then 0..1 both ways).
struct DataRange {
  double x_lo, x_hi, y_lo, y_hi;
  bool empty;
};

DataRange data_range(const Panel& panel) {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  for (const Series& s : panel.series)
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.y[i]) || !std::isfinite(s.x[i])) continue;
      if (panel.scale == AxisScale::log && s.y[i] <= 0) continue;
      x_lo = std::min(x_lo, s.x[i]);
      x_hi = std::max(x_hi, s.x[i]);
      y_lo = std::min(y_lo, s.y[i] - error_at(s, i));
      y_hi = std::max(y_hi, s.y[i] + error_at(s, i));
    }
  const bool empty = !std::isfinite(x_lo);
  if (empty) x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  if (x_hi == x_lo) x_lo -= 0.5, x_hi += 0.5;
  if (panel.scale == AxisScale::sqrt) y_lo = 0;
  if (y_hi == y_lo) {
    double d = y_hi == 0 ? 1 : std::abs(y_hi) * 0.1;
    y_lo -= d, y_hi += d;
    if (panel.scale != AxisScale::linear) y_lo = std::max(y_lo, panel.scale == AxisScale::log ? y_hi / 10 : 0.0);
  }
  return {x_lo, x_hi, y_lo, y_hi, empty};
}

/// The legend goes in rows under the x axis label, never over the lines: which series each row holds.
std::vector<std::vector<size_t>> legend_layout(cairo_t* cr, const Panel& panel, double width) {
  set_font(cr, 11);
  std::vector<std::vector<size_t>> rows(1);
  double used = 0;
  for (size_t i = 0; i < panel.series.size(); ++i) {
    double w = 40 + text_width(cr, panel.series[i].label);
    if (used + w > width - 40 && !rows.back().empty()) rows.emplace_back(), used = 0;
    rows.back().push_back(i);
    used += w;
  }
  return rows;
}

/// One series: its line (gaps at values the scale cannot show), whiskers and markers.
template <class Px, class Py>
void draw_series(cairo_t* cr, const Series& s, AxisScale scale, Px px, Py py) {
  set_colour(cr, s.colour);
  cairo_set_line_width(cr, 2);
  double dash[] = {6, 4};
  cairo_set_dash(cr, s.dashed ? dash : nullptr, s.dashed ? 2 : 0, 0);
  bool pen = false;
  for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
    bool ok = std::isfinite(s.y[i]) && (scale != AxisScale::log || s.y[i] > 0);
    if (!ok) {
      pen = false;
      continue;
    }
    if (pen) cairo_line_to(cr, px(s.x[i]), py(s.y[i]));
    else cairo_move_to(cr, px(s.x[i]), py(s.y[i]));
    pen = true;
  }
  cairo_stroke(cr);
  cairo_set_dash(cr, nullptr, 0, 0);
  draw_whiskers(cr, s, px, py);
  if (s.markers && s.x.size() <= 60)
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
      if (std::isfinite(s.y[i]) && (scale != AxisScale::log || s.y[i] > 0)) {
        cairo_arc(cr, px(s.x[i]), py(s.y[i]), 2.5, 0, 2 * M_PI);
        cairo_fill(cr);
      }
}

/// The x label under the frame at (x_mid, x_base), the y label turned along its left edge at (y_x, y_mid).
void draw_axis_labels(cairo_t* cr, const Panel& panel, double y_x, double x_mid, double x_base, double y_mid) {
  draw::text(cr, panel.x_label, x_mid, x_base, 0.5);
  cairo_save(cr);
  cairo_translate(cr, y_x, y_mid);
  cairo_rotate(cr, -M_PI / 2);
  std::string y_label = panel.y_label;
  if (panel.scale == AxisScale::sqrt) y_label += " (square-root scale)";
  if (panel.scale == AxisScale::log) y_label += " (log scale)";
  draw::text(cr, y_label, 0, 0, 0.5);
  cairo_restore(cr);
}

/// A mark's dotted vertical line at x = h.
void draw_mark_line(cairo_t* cr, double h, double top, double bottom) {
  cairo_set_source_rgba(cr, 0.2, 0.2, 0.2, 0.7);
  double dash[] = {2, 3};
  cairo_set_dash(cr, dash, 2, 0);
  cairo_move_to(cr, h, top);
  cairo_line_to(cr, h, bottom);
  cairo_stroke(cr);
  cairo_set_dash(cr, nullptr, 0, 0);
}

void draw_legend(cairo_t* cr, const Panel& panel, const std::vector<std::vector<size_t>>& legend_rows, double left,
                 double right, double bottom) {
  // Rows centred under the x axis label.
  for (size_t r = 0; r < legend_rows.size() && !panel.series.empty(); ++r) {
    double row_w = 0;
    for (size_t i : legend_rows[r]) row_w += 40 + text_width(cr, panel.series[i].label);
    double lx = (left + right - row_w) / 2, ly = bottom + 52 + 16.0 * static_cast<double>(r);
    for (size_t i : legend_rows[r]) {
      const Series& s = panel.series[i];
      set_colour(cr, s.colour);
      cairo_set_line_width(cr, 2);
      double dash[] = {6, 4};
      cairo_set_dash(cr, s.dashed ? dash : nullptr, s.dashed ? 2 : 0, 0);
      cairo_move_to(cr, lx, ly - 4);
      cairo_line_to(cr, lx + 24, ly - 4);
      cairo_stroke(cr);
      cairo_set_dash(cr, nullptr, 0, 0);
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      draw::text(cr, s.label, lx + 28, ly);
      lx += 40 + text_width(cr, s.label);
    }
  }
}

}  // namespace

void draw_panel(cairo_t* cr, double x, double y, double width, double height, const Panel& panel) {
  cairo_save(cr);
  const DataRange range = data_range(panel);
  double x_lo = range.x_lo, x_hi = range.x_hi, y_lo = range.y_lo, y_hi = range.y_hi;
  const bool empty = range.empty;
  std::vector<double> yt = scale_ticks(panel.scale, y_lo, y_hi);
  if (panel.scale != AxisScale::log && yt.size() > 1) {
    // Round the range out to whole ticks so that no line touches the frame.
    double step = yt[1] - yt[0];
    if (yt.front() > y_lo + step * 1e-9) yt.insert(yt.begin(), yt.front() - step);
    if (yt.back() < y_hi - step * 1e-9) yt.push_back(yt.back() + step);
    y_lo = yt.front();
    y_hi = yt.back();
  }
  std::vector<double> xt = nice_ticks(x_lo, x_hi, std::max(2, static_cast<int>(width / 90)));
  if (!panel.x_labels.empty()) {
    xt.clear();
    for (size_t i = 0; i < panel.x_labels.size(); ++i) xt.push_back(static_cast<double>(i));
    x_lo = std::min(x_lo, -0.5), x_hi = std::max(x_hi, static_cast<double>(panel.x_labels.size()) - 0.5);
  } else if (!empty && x_hi - x_lo <= 20) {  // epochs: whole numbers only
    xt.erase(std::remove_if(xt.begin(), xt.end(), [](double v) { return v != std::floor(v); }), xt.end());
  }
  // A little room left and right, so the first and last points are not on the frame.
  double x_pad = (x_hi - x_lo) * 0.03;
  x_lo -= x_pad;
  x_hi += x_pad;

  // Frame: room for the title on top, tick labels on the left and below.
  set_font(cr, 11);
  double label_w = 0;
  for (double t : yt) label_w = std::max(label_w, text_width(cr, tick_label(t)));
  const std::vector<std::vector<size_t>> legend_rows = legend_layout(cr, panel, width);
  double legend_h = panel.series.empty() ? 0 : 16.0 * static_cast<double>(legend_rows.size()) + 4;
  double left = x + 28 + label_w + 6, right = x + width - 12, top = y + 30, bottom = y + height - 44 - legend_h;
  auto px = [&](double v) { return left + (v - x_lo) / (x_hi - x_lo) * (right - left); };
  double f_lo = forward(panel.scale, y_lo), f_hi = forward(panel.scale, y_hi);
  auto py = [&](double v) { return bottom - (forward(panel.scale, v) - f_lo) / (f_hi - f_lo) * (bottom - top); };

  set_font(cr, 13, true);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  draw::text(cr, panel.title, (left + right) / 2, y + 19, 0.5);

  // Grid and ticks.
  set_font(cr, 11);
  cairo_set_line_width(cr, 1);
  for (double t : yt) draw::y_tick(cr, left, right, py(t), tick_label(t));
  for (double t : xt)
    draw::x_tick(cr, top, bottom, px(t), panel.x_labels.empty() ? tick_label(t) : panel.x_labels[static_cast<size_t>(t)]);
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_rectangle(cr, std::round(left) + 0.5, std::round(top) + 0.5, std::round(right - left), std::round(bottom - top));
  cairo_stroke(cr);
  draw_axis_labels(cr, panel, x + 14, (left + right) / 2, bottom + 34, (top + bottom) / 2);

  if (empty) {
    draw::text(cr, "no values yet", (left + right) / 2, (top + bottom) / 2, 0.5);
    cairo_restore(cr);
    return;
  }

  // Lines, clipped to the frame.
  cairo_save(cr);
  cairo_rectangle(cr, left, top, right - left, bottom - top);
  cairo_clip(cr);
  for (const Mark& m : panel.marks) draw_mark_line(cr, px(m.x), top, bottom);
  for (const Series& s : panel.series) draw_series(cr, s, panel.scale, px, py);
  cairo_restore(cr);
  for (const Mark& m : panel.marks) {
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    double h = px(m.x);
    double w = text_width(cr, m.label);
    draw::text(cr, m.label, std::clamp(h - w - 4, left + 2, right - w - 2), bottom - 6);
  }

  draw_legend(cr, panel, legend_rows, left, right, bottom);
  cairo_restore(cr);
}

}  // namespace hearth
