// Colour only on a terminal (and never with NO_COLOR set or in --json modes).
#pragma once

#include <cstdio>
#include <string>

namespace hearth::cli {

struct Style {
  bool colour = false;
  std::string bold(const std::string& s) const { return wrap("1", s); }
  std::string dim(const std::string& s) const { return wrap("2", s); }
  std::string red(const std::string& s) const { return wrap("31", s); }
  std::string yellow(const std::string& s) const { return wrap("33", s); }
  std::string green(const std::string& s) const { return wrap("32", s); }

 private:
  std::string wrap(const char* code, const std::string& s) const {
    return colour ? "\033[" + std::string(code) + "m" + s + "\033[0m" : s;
  }
};

/// Style for a stream: colour when it is a terminal and NO_COLOR is unset.
Style style_for(FILE* stream);

/// Pads `s` with spaces to `width` display columns (ASCII text).
std::string pad(const std::string& s, size_t width);

}  // namespace hearth::cli
