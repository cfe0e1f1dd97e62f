// Line charts drawn with Cairo: axes with ticks, a title, a legend, marks. The building block of
// the metric plots; pictures are readable at a glance, so every panel is titled and labelled.
#pragma once

#include <array>
#include <string>
#include <vector>

typedef struct _cairo cairo_t;

namespace hearth {

using Colour = std::array<double, 3>;

/// A colour of a qualitative palette (Tableau 10), cycling.
Colour palette_colour(size_t index);

/// A colour along viridis for t in [0, 1].
Colour viridis(double t);

/// How values map to the vertical axis.
enum class AxisScale { linear, sqrt, log };

/// One line of a chart.
struct Series {
  std::string label;
  std::vector<double> x, y;  ///< non-finite y values leave a gap
  Colour colour{0, 0, 0};
  bool dashed = false;
  bool markers = true;
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
};

/// "Nice" tick values (1, 2, 5 times a power of ten) covering [lo, hi], about `count` of them.
std::vector<double> nice_ticks(double lo, double hi, int count);

/// A number as a tick label: short, without trailing zeros.
std::string tick_label(double v);

/// Draws `panel` in the rectangle (x, y, width, height) of `cr`.
void draw_panel(cairo_t* cr, double x, double y, double width, double height, const Panel& panel);

/// Text helpers shared by the plots: DejaVu Sans (fonts-dejavu-core) at the given size.
void set_font(cairo_t* cr, double size, bool bold = false);
/// Draws `text` with its left (align 0), centre (0.5) or right (1) edge at x, baseline at y.
void draw_text(cairo_t* cr, const std::string& text, double x, double y, double align = 0);
/// Width of `text` in the current font.
double text_width(cairo_t* cr, const std::string& text);

}  // namespace hearth
