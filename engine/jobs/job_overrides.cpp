#include "engine/jobs/job_overrides.hpp"

#include <sstream>

#include "engine/core/error.hpp"

namespace hearth {
namespace {

/// `text` as an index into an array of `size` entries: digits only, in range.
size_t array_index(const std::string& text, const std::string& assignment, size_t size) {
  const bool digits = !text.empty() && text.size() < 10 && text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits)
    throw UsageError("--set '" + assignment + "': '" + text + "' names an entry of a list; use its index (0, 1, ...), e.g. " +
                     "losses.0.weight=2");
  const size_t index = std::stoul(text);
  if (index >= size)
    throw UsageError("--set '" + assignment + "': the job has no entry " + text + " there (it has " + std::to_string(size) + ")");
  return index;
}

}  // namespace

void apply_override(toml::table& doc, const JobOverride& o) {
  const std::string& assignment = o.assignment;
  const std::string& origin = o.origin;
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UsageError("--set '" + assignment + "' must look like section.key=value (e.g. train.epochs=3)");
  std::string path = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  std::vector<std::string> parts;
  std::stringstream ss(path);
  for (std::string part; std::getline(ss, part, '.');) parts.push_back(part);
  if (parts.empty()) throw UsageError("--set '" + assignment + "': name a section and a key, e.g. train.epochs=3");
  toml::node* node = &doc;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (auto* t = node->as_table()) {
      if (!t->contains(parts[i])) t->insert(parts[i], toml::table{});
      node = t->get(parts[i]);
    } else if (auto* a = node->as_array()) {
      const size_t index = array_index(parts[i], assignment, a->size());
      node = a->get(index);
    } else {
      throw UsageError("--set '" + assignment + "': '" + parts[i] + "' is not a table");
    }
  }
  toml::table parsed;
  try {
    // Named by its origin, so that a bad value is blamed on the override, not on the job's line 1.
    parsed = toml::parse("v = " + text, origin);
  } catch (const toml::parse_error&) {
    std::ostringstream quoted;  // a bare word is a string: --set model.activation=tanh
    quoted << toml::value<std::string>(text);
    parsed = toml::parse("v = " + quoted.str(), origin);
  }
  // Moved, not copied: toml++ copies no source regions.
  toml::node_view<toml::node> value = parsed["v"];
  auto place = [&](auto&& insert) {
    value.visit([&](auto& v) { insert(std::move(v)); });
  };
  if (auto* t = node->as_table()) {
    // The key too carries the origin: an unknown key an override made is blamed on it.
    const toml::key key(parts.back(), value.node()->source());
    place([&](auto&& v) { t->insert_or_assign(key, std::move(v)); });  // a whole section too: --set "model={plugin='cnn'}"
  } else if (auto* a = node->as_array()) {
    const size_t index = array_index(parts.back(), assignment, a->size());
    place([&](auto&& v) { a->replace(a->begin() + static_cast<std::ptrdiff_t>(index), std::move(v)); });
  } else {
    throw UsageError("--set '" + assignment + "': its parent is not a table");
  }
}

std::vector<JobOverride> set_overrides(const std::vector<std::string>& sets) {
  std::vector<JobOverride> overrides;
  for (const std::string& s : sets) overrides.push_back({s, "--set " + s});
  return overrides;
}

}  // namespace hearth
