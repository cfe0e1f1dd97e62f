#include "engine/packs/pack_manifest.hpp"

#include <toml++/toml.h>

#include <regex>
#include <sstream>

#include "engine/core/byte_text.hpp"
#include "engine/core/descriptor_reader.hpp"
#include "engine/core/error.hpp"
#include "engine/core/plugin_info.hpp"

namespace hearth {
namespace {

std::string quoted(const std::string& s) {
  std::ostringstream os;
  os << toml::value<std::string>(s);
  return os.str();
}

}  // namespace

PackManifest parse_manifest(const std::string& text, const std::string& where) {
  toml::table t;
  try {
    t = toml::parse(text, where);
  } catch (const toml::parse_error& e) {
    throw UsageError(where + ":" + std::to_string(e.source().begin.line) + ": not valid TOML: " + std::string(e.description()));
  }
  PackManifest m;
  auto need = [&](const char* key) -> std::string {
    auto v = t[key].value<std::string>();
    if (!v || v->empty()) throw UsageError(where + ": needs " + key + " = \"...\"");
    return *v;
  };
  m.name = need("name");
  if (!is_pack_name(m.name))
    throw UsageError(where + ": name '" + printable(m.name) + "' must be lowercase letters, digits, '-' or '_' (at most 64)");
  m.version = need("version");
  m.summary = t["summary"].value_or(std::string());
  m.license = t["license"].value_or(std::string());
  if (const toml::array* a = t["authors"].as_array())
    for (const auto& v : *a)
      if (auto s = v.value<std::string>()) m.authors.push_back(*s);
  if (const toml::table* b = t["build"].as_table()) {
    m.abi_major = (*b)["abi_major"].value_or(0);
    m.abi_minor = (*b)["abi_minor"].value_or(0);
    m.torch_major = (*b)["torch_major"].value_or(0);
    m.torch_minor = (*b)["torch_minor"].value_or(0);
    m.cxx11_abi = (*b)["cxx11_abi"].value_or(-1);
  }
  if (const toml::table* f = t["files"].as_table())
    for (const auto& [path, hash] : *f) {
      auto h = hash.value<std::string>();
      static const std::regex hex_re("[0-9a-f]{64}");
      if (!h || !std::regex_match(*h, hex_re))
        throw UsageError(where + ": [files] \"" + std::string(path.str()) + "\" must be a SHA-256 in hex");
      m.files[std::string(path.str())] = *h;
    }
  return m;
}

std::string manifest_text(const PackManifest& m) {
  std::ostringstream os;
  os << "name = " << quoted(m.name) << "\nversion = " << quoted(m.version) << "\nsummary = " << quoted(m.summary)
     << "\nauthors = [";
  for (size_t i = 0; i < m.authors.size(); ++i) os << (i ? ", " : "") << quoted(m.authors[i]);
  os << "]\nlicense = " << quoted(m.license) << "\n\n[build]\nabi_major = " << m.abi_major << "\nabi_minor = " << m.abi_minor
     << "\ntorch_major = " << m.torch_major << "\ntorch_minor = " << m.torch_minor << "\ncxx11_abi = " << m.cxx11_abi
     << "\n\n[files]\n";
  for (const auto& [path, hash] : m.files) os << quoted(path) << " = " << quoted(hash) << "\n";
  return os.str();
}

void check_pack_versions(const PackManifest& m, const std::string& where) {
  hearth_library_descriptor d{};
  d.abi_major = static_cast<uint32_t>(m.abi_major);
  d.abi_minor = static_cast<uint32_t>(m.abi_minor);
  d.torch_major = static_cast<uint32_t>(m.torch_major);
  d.torch_minor = static_cast<uint32_t>(m.torch_minor);
  d.cxx11_abi = m.cxx11_abi;
  d.compiler = "";
  try {
    check_versions(d);
  } catch (const LibraryRefusal& e) {
    throw LibraryRefusal(where + ": pack " + m.name + " " + m.version + ": " + e.what());
  }
}

}  // namespace hearth
