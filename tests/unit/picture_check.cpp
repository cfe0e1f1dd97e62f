#include "unit/picture_check.hpp"

#include <cairo.h>
#include <libxml/parser.h>

#include <cstring>
#include <set>

namespace hearth::test {

PngFacts png_facts(const std::filesystem::path& png) {
  PngFacts f;
  cairo_surface_t* s = cairo_image_surface_create_from_png(png.c_str());
  if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
    f.width = cairo_image_surface_get_width(s);
    f.height = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char* data = cairo_image_surface_get_data(s);
    std::set<uint32_t> seen;
    for (int y = 0; y < f.height; ++y)
      for (int x = 0; x < f.width; ++x) {
        uint32_t v;
        std::memcpy(&v, data + y * stride + x * 4, 4);
        seen.insert(v);
      }
    f.colours = seen.size();
  }
  cairo_surface_destroy(s);
  return f;
}

bool svg_parses(const std::filesystem::path& svg, std::string& error) {
  xmlDocPtr doc = xmlReadFile(svg.c_str(), nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == nullptr) {
    const xmlError* e = xmlGetLastError();
    error = e != nullptr && e->message != nullptr ? e->message : "not XML";
    return false;
  }
  xmlNodePtr root = xmlDocGetRootElement(doc);
  bool ok = root != nullptr && std::strcmp(reinterpret_cast<const char*>(root->name), "svg") == 0;
  if (!ok) error = "the root element is not <svg>";
  xmlFreeDoc(doc);
  return ok;
}

}  // namespace hearth::test
