#include "terminal.hpp"

#include <unistd.h>

#include <cstdlib>

namespace hearth::cli {

Style style_for(FILE* stream) {
  Style s;
  const char* no_colour = std::getenv("NO_COLOR");
  s.colour = ::isatty(::fileno(stream)) && !(no_colour && *no_colour);
  return s;
}

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

}  // namespace hearth::cli
