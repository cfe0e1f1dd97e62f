#include "engine/jobs/job_hparams.hpp"

#include <toml++/toml.h>

#include <sstream>

namespace hearth {
namespace {

void flatten(const toml::table& table, const std::string& prefix, std::vector<HParam>& out);

void add(const toml::node& node, const std::string& name, std::vector<HParam>& out) {
  if (const toml::table* t = node.as_table()) return flatten(*t, name + ".", out);
  if (const toml::array* a = node.as_array(); a && a->is_array_of_tables()) {
    for (size_t i = 0; i < a->size(); ++i) flatten(*a->get(i)->as_table(), name + "[" + std::to_string(i) + "].", out);
    return;
  }
  if (auto v = node.value<bool>(); v && node.is_boolean()) return out.push_back({name, *v});
  if (node.is_integer() || node.is_floating_point()) return out.push_back({name, *node.value<double>()});
  if (auto s = node.value<std::string>()) return out.push_back({name, *s});
  std::ostringstream text;  // lists and dates: their TOML text
  text << toml::toml_formatter(node);
  out.push_back({name, text.str()});
}

void flatten(const toml::table& table, const std::string& prefix, std::vector<HParam>& out) {
  for (auto&& [key, node] : table) add(node, prefix + std::string(key.str()), out);
}

}  // namespace

std::vector<HParam> job_hparams(const Job& job) {
  std::vector<HParam> out;
  flatten(toml::parse(job.resolved_toml()), "", out);
  return out;
}

}  // namespace hearth
