// Checks on the pictures Hearth writes: a PNG's size and how many colours it uses (a blank picture
// has one), and whether an SVG parses as XML. No pixel-exact goldens: fonts and Cairo versions vary.
#pragma once

#include <filesystem>
#include <string>

namespace hearth::test {

struct PngFacts {
  int width = 0, height = 0;
  size_t colours = 0;  ///< distinct pixel values
};

/// Reads a PNG with Cairo; width 0 when it is not a readable PNG.
PngFacts png_facts(const std::filesystem::path& png);

/// True when `svg` parses as XML with an <svg> root; otherwise `error` says why.
bool svg_parses(const std::filesystem::path& svg, std::string& error);

}  // namespace hearth::test
