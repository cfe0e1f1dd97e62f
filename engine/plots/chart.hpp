// Line charts drawn with Cairo: axes with ticks, a title, a legend, marks. The building block of
// the metric plots; pictures are readable at a glance, so every panel is titled and labelled.
#pragma once

#include <string>
#include <vector>

#include <hearth/draw.hpp>

namespace hearth {

using draw::Colour;
using draw::nice_ticks;
using draw::palette_colour;
using draw::set_font;
using draw::text_width;
using draw::tick_label;
using draw::viridis;

/// How values map to the vertical axis.
enum class AxisScale { linear, sqrt, log };

/// One line of a chart.
struct Series {
  std::string label;
  std::vector<double> x, y;  ///< non-finite y values leave a gap
  Colour colour{0, 0, 0};
  bool dashed = false;
  bool markers = true;
  std::vector<double> y_error;  ///< when given, a whisker from y - e to y + e at each point
};

/// A vertical mark at x (for instance the best epoch), with a short label.
struct Mark {
  double x = 0;
  std::string label;
};

/// One framed chart: title, axis labels, lines, marks, a legend.
struct Panel {
  std::string title, x_label, y_label;
  AxisScale scale = AxisScale::linear;
  std::vector<Series> series;
  std::vector<Mark> marks;
  /// When given, x is categorical: the points sit at x = 0, 1, ... and these label the ticks.
  std::vector<std::string> x_labels;
};

/// Draws `panel` in the rectangle (x, y, width, height) of `cr`.
void draw_panel(cairo_t* cr, double x, double y, double width, double height, const Panel& panel);

}  // namespace hearth
