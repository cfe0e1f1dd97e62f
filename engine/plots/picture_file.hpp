// Writing a picture drawn with Cairo to a PNG or SVG file, atomically.
#pragma once

#include <filesystem>
#include <functional>

typedef struct _cairo cairo_t;

namespace hearth {

/// Draws a picture of the given size on a Cairo context (the origin is the top left, in pixels).
using DrawFunction = std::function<void(cairo_t* cr, int width, int height)>;

/// Draws into `path` as PNG or SVG, chosen by its extension (.png or .svg). The picture is written
/// to a temporary file next to `path` and renamed over it, so a viewer never sees half a picture.
/// Throws hearth::Error naming the file when it cannot be written or the extension is unknown.
void write_picture(const std::filesystem::path& path, int width, int height, const DrawFunction& draw);

}  // namespace hearth
