#include "engine/plots/picture_file.hpp"

#include <cairo-svg.h>
#include <cairo.h>

#include <system_error>

#include "engine/core/error.hpp"

namespace hearth {

void write_picture(const std::filesystem::path& path, int width, int height, const DrawFunction& draw) {
  namespace fs = std::filesystem;
  std::string ext = path.extension().string();
  if (ext != ".png" && ext != ".svg")
    throw UsageError("cannot write " + path.string() + ": pictures are written as .png or .svg");
  fs::path tmp = path;
  tmp += ".tmp";
  cairo_surface_t* surface = ext == ".png" ? cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height)
                                           : cairo_svg_surface_create(tmp.c_str(), width, height);
  cairo_t* cr = cairo_create(surface);
  // A white page first: a transparent PNG looks black in some viewers.
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  try {
    draw(cr, width, height);
  } catch (...) {
    cairo_destroy(cr);
    cairo_surface_destroy(surface);
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
  cairo_status_t status = cairo_status(cr);
  cairo_destroy(cr);
  if (status == CAIRO_STATUS_SUCCESS && ext == ".png") status = cairo_surface_write_to_png(surface, tmp.c_str());
  cairo_surface_finish(surface);  // an SVG is complete only once finished
  if (status == CAIRO_STATUS_SUCCESS) status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  std::error_code ec;
  if (status != CAIRO_STATUS_SUCCESS) {
    fs::remove(tmp, ec);
    throw Error("cannot write " + path.string() + ": " + cairo_status_to_string(status));
  }
  fs::rename(tmp, path, ec);
  if (ec) throw Error("cannot write " + path.string() + ": " + ec.message());
}

}  // namespace hearth
