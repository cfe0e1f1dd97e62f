#include "engine/discovery/scan_json.hpp"

#include <sodium.h>

#include <stdexcept>

#include "engine/core/byte_text.hpp"

namespace hearth {

using nlohmann::json;

const char* scan_status_name(ScanStatus status) {
  switch (status) {
    case ScanStatus::ok: return "ok";
    case ScanStatus::rejected: return "rejected";
    case ScanStatus::blocked: return "blocked";
  }
  return "unknown";
}

namespace {

json param_to_json(const ParamInfo& p) {
  json j = {{"key", p.key}, {"type", static_cast<int>(p.type)}, {"doc", p.doc}, {"choices", p.choices}};
  if (p.default_toml) j["default"] = *p.default_toml;
  if (p.min) j["min"] = *p.min;
  if (p.max) j["max"] = *p.max;
  if (p.kind != HEARTH_PARAM_PLAIN) j["kind"] = static_cast<int>(p.kind);
  return j;
}

ParamInfo param_from_json(const json& j) {
  ParamInfo p;
  p.key = j.at("key").get<std::string>();
  p.type = static_cast<hearth_param_type>(j.at("type").get<int>());
  p.doc = j.at("doc").get<std::string>();
  p.choices = j.at("choices").get<std::vector<std::string>>();
  if (j.contains("default")) p.default_toml = j["default"].get<std::string>();
  if (j.contains("min")) p.min = j["min"].get<double>();
  if (j.contains("max")) p.max = j["max"].get<double>();
  if (j.contains("kind")) p.kind = static_cast<hearth_param_kind>(j["kind"].get<int>());
  return p;
}

// libsodium's codecs, which the engine already links for hashing and signatures.
std::string to_hex(const std::string& bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  out.pop_back();
  return out;
}

std::string from_hex(const std::string& hex) {
  std::string out(hex.size() / 2, '\0');
  size_t length = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(), hex.size(), nullptr, &length,
                     &end) != 0 ||
      end != hex.data() + hex.size())
    throw std::invalid_argument("path_hex is not hex");
  out.resize(length);
  return out;
}

}  // namespace

json library_to_json(const LibraryInfo& l) {
  json modules = json::array();
  for (const ModuleInfo& m : l.modules) {
    json params = json::array();
    for (const ParamInfo& p : m.params) params.push_back(param_to_json(p));
    modules.push_back({{"category", static_cast<int>(m.category)},
                       {"name", m.name},
                       {"summary", m.summary},
                       {"doc", m.doc},
                       {"params", params}});
  }
  return {{"abi", {l.abi_major, l.abi_minor}},
          {"torch", {l.torch_major, l.torch_minor}},
          {"cxx11_abi", l.cxx11_abi},
          {"compiler", l.compiler},
          {"pack", l.pack_name},
          {"pack_version", l.pack_version},
          {"modules", modules}};
}

LibraryInfo library_from_json(const json& j) {
  LibraryInfo l;
  l.abi_major = j.at("abi").at(0).get<uint32_t>();
  l.abi_minor = j.at("abi").at(1).get<uint32_t>();
  l.torch_major = j.at("torch").at(0).get<uint32_t>();
  l.torch_minor = j.at("torch").at(1).get<uint32_t>();
  l.cxx11_abi = j.at("cxx11_abi").get<int32_t>();
  l.compiler = j.at("compiler").get<std::string>();
  l.pack_name = j.at("pack").get<std::string>();
  l.pack_version = j.at("pack_version").get<std::string>();
  for (const json& jm : j.at("modules")) {
    ModuleInfo m;
    m.category = static_cast<hearth_category>(jm.at("category").get<int>());
    m.name = jm.at("name").get<std::string>();
    m.summary = jm.at("summary").get<std::string>();
    m.doc = jm.at("doc").get<std::string>();
    for (const json& jp : jm.at("params")) m.params.push_back(param_from_json(jp));
    l.modules.push_back(std::move(m));
  }
  return l;
}

json scan_result_to_json(const ScanResult& r) {
  // JSON holds UTF-8 only; a path is any bytes but NUL, so other names go as hex.
  json j = {{"status", scan_status_name(r.status)}, {"reason", json_text(r.reason)}};
  if (is_utf8(r.path))
    j["path"] = r.path;
  else
    j["path_hex"] = to_hex(r.path);
  if (r.status == ScanStatus::ok) j["library"] = library_to_json(r.library);
  if (r.timeout_ms > 0) j["timeout_ms"] = r.timeout_ms;
  return j;
}

ScanResult scan_result_from_json(const json& j) {
  ScanResult r;
  r.path = j.contains("path_hex") ? from_hex(j.at("path_hex").get<std::string>()) : j.value("path", std::string());
  r.timeout_ms = j.value("timeout_ms", int64_t{0});
  std::string status = j.at("status").get<std::string>();
  r.status = status == "ok" ? ScanStatus::ok : status == "blocked" ? ScanStatus::blocked : ScanStatus::rejected;
  r.reason = j.at("reason").get<std::string>();
  if (r.status == ScanStatus::ok) r.library = library_from_json(j.at("library"));
  return r;
}

}  // namespace hearth
