// Brace patterns, manifest.json and JSON members of the `shards` dataset (shard_manifest.hpp).
#include "shard_manifest.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <stdexcept>

namespace hearth_datasets {

std::vector<std::string> expand_braces(const std::string& pattern) {
  const size_t open = pattern.find('{');
  if (open == std::string::npos) return {pattern};
  const size_t close = pattern.find('}', open);
  if (close == std::string::npos) throw std::invalid_argument("shard pattern '" + pattern + "' has a '{' without its '}'");
  const std::string inside = pattern.substr(open + 1, close - open - 1), head = pattern.substr(0, open);
  std::vector<std::string> choices;
  const size_t dots = inside.find("..");
  if (dots != std::string::npos) {
    const std::string a = inside.substr(0, dots), b = inside.substr(dots + 2);
    auto digits = [](const std::string& s) { return !s.empty() && s.size() < 12 && s.find_first_not_of("0123456789") == std::string::npos; };
    if (!digits(a) || !digits(b) || std::stoll(a) > std::stoll(b) || std::stoll(b) - std::stoll(a) >= 1000000)
      throw std::invalid_argument("shard pattern '" + pattern + "': {" + inside + "} is not a range of numbers like {000000..000099}");
    for (int64_t i = std::stoll(a); i <= std::stoll(b); ++i) {
      std::string n = std::to_string(i);
      choices.push_back(std::string(a.size() > n.size() ? a.size() - n.size() : 0, '0') + n);
    }
  } else {
    for (size_t at = 0;;) {
      const size_t comma = inside.find(',', at);
      choices.push_back(inside.substr(at, comma - at));
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
  }
  std::vector<std::string> out;
  const std::vector<std::string> tails = expand_braces(pattern.substr(close + 1));
  for (const std::string& c : choices)
    for (const std::string& tail : tails) out.push_back(head + c + tail);
  return out;
}

ShardManifest read_shard_manifest(const std::filesystem::path& folder) {
  ShardManifest out;
  std::ifstream in(folder / "manifest.json");
  if (!in) return out;
  nlohmann::json m = nlohmann::json::parse(in, nullptr, false);
  if (!m.is_object()) throw std::invalid_argument((folder / "manifest.json").string() + " is not a JSON object; remake it with hearth shard");
  if (m.contains("classes") && m["classes"].is_array())
    for (const auto& c : m["classes"]) out.classes.push_back(c.is_string() ? c.get<std::string>() : c.dump());
  if (m.contains("tensors") && m["tensors"].is_array())
    for (const auto& t : m["tensors"]) {
      if (!t.is_object() || !t.contains("extension") || !t["extension"].is_string()) continue;
      const std::string ext = t["extension"], name = t.value("name", ext);
      out.tensor_names[ext] = name;
      (t.value("role", "input") == "target" ? out.targets : out.inputs).push_back(ext);
    }
  return out;
}

std::vector<float> json_numbers(const std::string& text, const std::string& what, bool& scalar) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  scalar = j.is_number();
  if (scalar) return {j.get<float>()};
  std::vector<float> values;
  if (j.is_array())
    for (const auto& v : j) {
      if (!v.is_number()) break;
      values.push_back(v.get<float>());
    }
  if (!j.is_array() || values.size() != j.size()) throw std::invalid_argument(what + " is not a number or a list of numbers");
  return values;
}

}  // namespace hearth_datasets
