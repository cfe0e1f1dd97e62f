// The studio's page (hosts/studio/web/), embedded in the binary at build time by
// cmake/embed_files.cmake: `hearth studio` needs no other files and no network.
#pragma once

#include <cstddef>
#include <string_view>

namespace hearth::studio {

/// One embedded file: its path under web/ ("index.html", "js/app.js") and its bytes.
struct EmbeddedFile {
  std::string_view path;
  std::string_view bytes;
};

/// Every embedded file (the generated web_assets.cpp defines it).
const EmbeddedFile* embedded_files(size_t& count);

/// The file at `path`, or nullptr.
const EmbeddedFile* find_web_file(std::string_view path);

/// The Content-Type of a file name by its extension (text/html, text/javascript, text/css,
/// image/svg+xml, image/png, text/csv, application/json, text/plain for .toml, .log and .txt;
/// application/octet-stream for others).
std::string_view content_type_of(std::string_view name);

}  // namespace hearth::studio
