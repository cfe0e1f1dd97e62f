#include "engine/plots/params_plot.hpp"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "engine/core/error.hpp"
#include "engine/plots/chart.hpp"
#include "engine/plots/picture_file.hpp"
#include "engine/runs/run_record.hpp"

namespace hearth {
namespace fs = std::filesystem;
namespace {

void flatten(const toml::node& node, const std::string& prefix, RunParams& out) {
  if (const toml::table* t = node.as_table()) {
    for (const auto& [k, v] : *t) flatten(v, prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str()), out);
  } else if (const toml::array* a = node.as_array(); a != nullptr && a->is_array_of_tables()) {
    for (size_t i = 0; i < a->size(); ++i) flatten(*a->get(i), prefix + "." + std::to_string(i), out);
  } else {
    std::ostringstream os;
    if (const auto* s = node.as_string()) os << s->get();  // no quotes on an axis
    else node.visit([&](const auto& v) { os << v; });
    out.values.emplace_back(prefix, os.str());
    out.numeric.push_back(node.is_number());
  }
}

/// One vertical axis: numeric (value range) or categorical (sorted distinct texts).
struct Axis {
  std::string key;
  bool numeric = true;
  double lo = 0, hi = 0;
  bool log = false;
  std::vector<std::string> categories;
  /// Position of a run's value along the axis, 0 (bottom) to 1 (top).
  double place(const std::string& text) const {
    if (!numeric) {
      auto it = std::find(categories.begin(), categories.end(), text);
      double i = static_cast<double>(it - categories.begin());
      return categories.size() == 1 ? 0.5 : i / static_cast<double>(categories.size() - 1);
    }
    double v = std::stod(text);
    if (hi == lo) return 0.5;
    return log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : (v - lo) / (hi - lo);
  }
};

const std::string* value_of(const RunParams& r, const std::string& key, bool* numeric = nullptr) {
  for (size_t i = 0; i < r.values.size(); ++i)
    if (r.values[i].first == key) {
      if (numeric) *numeric = r.numeric[i];
      return &r.values[i].second;
    }
  return nullptr;
}

}  // namespace

std::optional<RunParams> read_run_params(const fs::path& f) {
  RunRecord record;
  try {
    record = read_run_record(f);
  } catch (const std::exception&) {
    return std::nullopt;  // a damaged run is left out, as `hearth runs` lists it as unreadable
  }
  if (!record.best || !fs::exists(f / "job.toml")) return std::nullopt;
  RunParams r;
  r.label = f.parent_path().filename().string() + "/" + f.filename().string();
  r.monitor = record.best->monitor;
  r.best = record.best->value;
  if (!std::isfinite(r.best)) return std::nullopt;
  try {
    toml::table job = toml::parse_file((f / "job.toml").string());
    flatten(job, "", r);
  } catch (const std::exception& e) {
    throw UsageError((f / "job.toml").string() + " is unreadable: " + e.what());
  }
  return r;
}

std::vector<RunParams> read_runs_params(const fs::path& runs_folder) {
  if (!fs::is_directory(runs_folder))
    throw UsageError(runs_folder.string() + " is not a folder; give a runs folder (for instance runs/)");
  std::vector<fs::path> folders;
  auto visit = [&](const fs::path& dir, auto& self, int depth) -> void {
    if (fs::exists(dir / "run.json")) {
      folders.push_back(dir);
      return;
    }
    if (depth == 0) return;
    // Hidden folders are runs still being made.
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_directory() && e.path().filename().string().rfind('.', 0) != 0) self(e.path(), self, depth - 1);
  };
  visit(runs_folder, visit, 2);
  std::sort(folders.begin(), folders.end());
  std::vector<RunParams> out;
  for (const fs::path& f : folders)
    if (std::optional<RunParams> r = read_run_params(f)) out.push_back(std::move(*r));
  return out;
}

namespace {

/// The runs that share the most common monitor (the comparable ones); throws UsageError when
/// fewer than two do.
std::vector<const RunParams*> comparable_runs(const std::vector<RunParams>& all, std::string& monitor) {
  std::map<std::string, int> monitors;
  for (const RunParams& r : all) ++monitors[r.monitor];
  if (monitors.empty()) throw UsageError("no finished run with a best value found; train some runs first");
  monitor = std::max_element(monitors.begin(), monitors.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
  std::vector<const RunParams*> runs;
  for (const RunParams& r : all)
    if (r.monitor == monitor) runs.push_back(&r);
  if (runs.size() < 2)
    throw UsageError("only " + std::to_string(runs.size()) + " run with a best " + monitor +
                     " found; the parameters plot compares two or more runs");
  return runs;
}

/// An axis per key whose value differs between `runs` (the job's name aside).
std::vector<Axis> differing_axes(const std::vector<const RunParams*>& runs) {
  std::set<std::string> keys;
  for (const RunParams* r : runs)
    for (const auto& [k, v] : r->values) keys.insert(k);
  std::vector<Axis> axes;
  for (const std::string& k : keys) {
    if (k == "job.name") continue;
    std::set<std::string> texts;
    bool numeric = true;
    for (const RunParams* r : runs) {
      bool n = false;
      const std::string* v = value_of(*r, k, &n);
      texts.insert(v ? *v : "(unset)");
      numeric = numeric && v && n;
    }
    if (texts.size() < 2) continue;
    Axis a;
    a.key = k;
    a.numeric = numeric;
    if (numeric) {
      a.lo = INFINITY, a.hi = -INFINITY;
      for (const std::string& t : texts) a.lo = std::min(a.lo, std::stod(t)), a.hi = std::max(a.hi, std::stod(t));
      a.log = a.lo > 0 && a.hi / a.lo >= 100;
    } else {
      a.categories.assign(texts.begin(), texts.end());
    }
    axes.push_back(std::move(a));
  }
  if (axes.empty())
    throw UsageError("the " + std::to_string(runs.size()) + " runs have the same hyper-parameters; nothing to compare");
  return axes;
}

/// Where things go in the picture: the axes left to right, places 0..1 bottom to top.
struct ParamsLayout {
  double top = 80, plot_h = 420, left = 130, axis_gap = 0;
  double best_lo = INFINITY, best_hi = -INFINITY;
  double x(size_t axis) const { return left + axis_gap * static_cast<double>(axis); }
  double y(double place) const { return top + (1 - place) * plot_h; }
  double metric_place(double v) const { return best_hi > best_lo ? (v - best_lo) / (best_hi - best_lo) : 0.5; }
};

/// One line per run, coloured by its best value; the worst first, so that the best lie on top.
void draw_run_lines(cairo_t* cr, const std::vector<const RunParams*>& runs, const std::vector<Axis>& axes, const ParamsLayout& l) {
  std::vector<const RunParams*> order = runs;
  std::sort(order.begin(), order.end(), [&](auto* a, auto* b) { return l.metric_place(a->best) < l.metric_place(b->best); });
  for (const RunParams* r : order) {
    Colour c = viridis(l.metric_place(r->best));
    cairo_set_source_rgba(cr, c[0], c[1], c[2], 0.85);
    cairo_set_line_width(cr, 2);
    for (size_t i = 0; i < axes.size(); ++i) {
      const std::string* v = value_of(*r, axes[i].key);
      double y = l.y(axes[i].place(v ? *v : "(unset)"));
      if (i == 0) cairo_move_to(cr, l.x(i), y);
      else cairo_line_to(cr, l.x(i), y);
    }
    cairo_line_to(cr, l.x(axes.size()), l.y(l.metric_place(r->best)));
    cairo_stroke(cr);
  }
}

/// The axes with their names and ticks; the metric's axis last, with a colour bar beside it.
void draw_axes(cairo_t* cr, const std::vector<Axis>& axes, const std::string& monitor, const ParamsLayout& l) {
  set_font(cr, 11);
  for (size_t i = 0; i <= axes.size(); ++i) {
    double x = l.x(i);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_set_line_width(cr, 1.5);
    cairo_move_to(cr, x, l.top);
    cairo_line_to(cr, x, l.top + l.plot_h);
    cairo_stroke(cr);
    set_font(cr, 12, true);
    draw::text(cr, i < axes.size() ? axes[i].key : "best " + monitor, x, l.top + l.plot_h + 24, 0.5);
    set_font(cr, 11);
    auto tick = [&](double place, const std::string& text) {
      double y = l.y(place);
      cairo_move_to(cr, x - 4, y);
      cairo_line_to(cr, x, y);
      cairo_stroke(cr);
      cairo_set_source_rgba(cr, 1, 1, 1, 0.8);
      double tw = text_width(cr, text);
      cairo_rectangle(cr, x - 7 - tw, y - 9, tw + 2, 13);
      cairo_fill(cr);
      cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
      draw::text(cr, text, x - 6, y + 4, 1);
    };
    if (i == axes.size()) {
      for (double t : nice_ticks(l.best_lo, l.best_hi, 5)) tick(l.metric_place(t), tick_label(t));
    } else if (!axes[i].numeric) {
      for (const std::string& c : axes[i].categories) tick(axes[i].place(c), c.size() > 22 ? c.substr(0, 21) + "…" : c);
    } else if (axes[i].log) {
      for (double e = std::ceil(std::log10(axes[i].lo)); e <= std::floor(std::log10(axes[i].hi)); ++e)
        tick(axes[i].place(tick_label(std::pow(10.0, e))), tick_label(std::pow(10.0, e)));
      tick(0, tick_label(axes[i].lo));
      tick(1, tick_label(axes[i].hi));
    } else {
      for (double t : nice_ticks(axes[i].lo, axes[i].hi, 5))
        if (t >= axes[i].lo && t <= axes[i].hi) tick(axes[i].place(tick_label(t)), tick_label(t));
    }
  }
  double bx = l.x(axes.size()) + 30;
  for (int k = 0; k < 100; ++k) {
    Colour c = viridis(k / 99.0);
    cairo_set_source_rgb(cr, c[0], c[1], c[2]);
    cairo_rectangle(cr, bx, l.y(k / 99.0) - l.plot_h / 99.0, 14, l.plot_h / 99.0 + 1);
    cairo_fill(cr);
  }
}

}  // namespace

void write_params_plot(const std::vector<RunParams>& all, const fs::path& out) {
  std::string monitor;
  const std::vector<const RunParams*> runs = comparable_runs(all, monitor);
  const std::vector<Axis> axes = differing_axes(runs);
  ParamsLayout l;
  for (const RunParams* r : runs) l.best_lo = std::min(l.best_lo, r->best), l.best_hi = std::max(l.best_hi, r->best);
  const double bottom_margin = 70;
  // Wide enough for the title; the axes spread over the width.
  const int width = std::max(860, static_cast<int>(l.left + 190 * static_cast<double>(axes.size()) + 90));
  l.axis_gap = (width - l.left - 90) / static_cast<double>(axes.size());
  const int height = static_cast<int>(l.top + l.plot_h + bottom_margin);
  write_picture(out, width, height, [&](cairo_t* cr, int w, int) {
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    set_font(cr, 17, true);
    draw::text(cr, "Hyper-parameters of " + std::to_string(runs.size()) + " runs against the best " + monitor, w / 2.0, 30, 0.5);
    set_font(cr, 12);
    draw::text(cr, "one line per run, coloured by its best " + monitor + "; only the keys that differ are drawn", w / 2.0, 50, 0.5);
    draw_run_lines(cr, runs, axes, l);
    draw_axes(cr, axes, monitor, l);
  });
}

}  // namespace hearth
