#include "job_form.hpp"

#include <toml++/toml.h>

#include <array>
#include <sstream>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"

namespace hearth::studio {
namespace {

constexpr std::array<const char*, 6> kTables = {"job", "dataset", "model", "optimizer", "scheduler", "train"};
constexpr std::array<const char*, 3> kLists = {"losses", "metrics", "renders"};

/// A value as TOML writes it: "64", "0.001", "\"adam\"", "[256, 128]".
std::string toml_text(const toml::node& node) {
  std::ostringstream os;
  os << toml::toml_formatter(node, toml::format_flags::none);
  return os.str();
}

nlohmann::json fields_of(const toml::table& table) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : table) out[std::string(key.str())] = json_text(toml_text(value));
  return out;
}

template <size_t N>
bool among(const std::array<const char*, N>& names, std::string_view key) {
  for (const char* n : names)
    if (key == n) return true;
  return false;
}

}  // namespace

nlohmann::json job_to_form(const std::string& toml_text_in, const std::string& name) {
  toml::table job;
  try {
    job = toml::parse(toml_text_in, name);
  } catch (const toml::parse_error& e) {
    const toml::source_position at = e.source().begin;
    throw UsageError(printable(name) + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " +
                     std::string(e.description()));
  }
  nlohmann::json tables = nlohmann::json::object(), lists = nlohmann::json::object();
  toml::table extra;
  for (const auto& [key, value] : job) {
    const std::string k(key.str());
    if (among(kTables, k) && value.is_table()) {
      tables[k] = fields_of(*value.as_table());
    } else if (among(kLists, k) && value.is_array_of_tables()) {
      nlohmann::json items = nlohmann::json::array();
      for (const toml::node& item : *value.as_array()) items.push_back(fields_of(*item.as_table()));
      lists[k] = items;
    } else {
      extra.insert(key, value);
    }
  }
  std::ostringstream rest;
  if (!extra.empty()) rest << toml::toml_formatter(extra);
  return {{"tables", tables}, {"lists", lists}, {"extra", json_text(rest.str())}};
}

}  // namespace hearth::studio
