#include "web_assets.hpp"

namespace hearth::studio {

const EmbeddedFile* find_web_file(std::string_view path) {
  size_t count = 0;
  const EmbeddedFile* files = embedded_files(count);
  for (size_t i = 0; i < count; ++i)
    if (files[i].path == path) return &files[i];
  return nullptr;
}

std::string_view content_type_of(std::string_view name) {
  struct Kind {
    std::string_view extension, type;
  };
  static constexpr Kind kinds[] = {{".html", "text/html; charset=utf-8"},  {".js", "text/javascript; charset=utf-8"},
                                   {".css", "text/css; charset=utf-8"},    {".svg", "image/svg+xml"},
                                   {".png", "image/png"},                  {".csv", "text/csv; charset=utf-8"},
                                   {".json", "application/json"},          {".toml", "text/plain; charset=utf-8"},
                                   {".log", "text/plain; charset=utf-8"},  {".txt", "text/plain; charset=utf-8"}};
  for (const Kind& k : kinds)
    if (name.size() >= k.extension.size() && name.substr(name.size() - k.extension.size()) == k.extension) return k.type;
  return "application/octet-stream";
}

}  // namespace hearth::studio
