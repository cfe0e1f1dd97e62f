// `hearth plugins`: list modules, describe one, list blocked files, rescan.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "cli_context.hpp"
#include "commands/commands.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/core/category.hpp"
#include "engine/core/error.hpp"
#include "engine/discovery/module_json.hpp"
#include "engine/params/host_keys.hpp"
#include "engine/params/suggest.hpp"
#include "terminal.hpp"

namespace hearth::cli {
namespace {

struct PluginsOptions {
  DiscoveryFlags discovery;
  std::string category;
  bool json = false;
  bool blocked = false;
  bool markdown = false;
  std::string describe_target;
  bool describe_json = false;
};

void list_modules(const PluginsOptions& o, const PluginRegistry& reg) {
  std::optional<hearth_category> only;
  if (!o.category.empty()) {
    only = parse_category(o.category);
    if (!only) throw UsageError("unknown category '" + o.category + "'; use one of " + category_list());
  }
  std::vector<const ModuleEntry*> rows;
  for (const ModuleEntry& m : reg.modules())
    if (!only || m.info.category == *only) rows.push_back(&m);
  std::stable_sort(rows.begin(), rows.end(), [](const ModuleEntry* a, const ModuleEntry* b) {
    return std::tie(a->info.category, a->info.name) < std::tie(b->info.category, b->info.name);
  });
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const ModuleEntry* m : rows) out.push_back(module_json(*m, false));
    std::cout << out.dump(2) << '\n';
    return;
  }
  Style st = style_for(stdout);
  std::vector<std::array<std::string, 5>> table = {{"CATEGORY", "NAME", "PACK", "VERSION", "FILE"}};
  for (const ModuleEntry* m : rows)
    table.push_back({category_name(m->info.category), m->info.name + (m->shadowed ? " (shadowed)" : ""), m->pack,
                     m->pack_version, printable(m->file.string())});
  std::array<size_t, 5> width{};
  for (const auto& row : table)
    for (size_t c = 0; c < 5; ++c) width[c] = std::max(width[c], row[c].size());
  for (size_t r = 0; r < table.size(); ++r) {
    std::string line;
    for (size_t c = 0; c < 5; ++c) line += (c == 4 ? table[r][c] : pad(table[r][c], width[c] + 2));
    std::cout << (r == 0 ? st.bold(line) : line) << '\n';
  }
  if (rows.empty()) std::cout << "(no modules found; searched " << reg.roots().size() << " folders)\n";
  if (!reg.problems().empty())
    std::cout << st.yellow(std::to_string(reg.problems().size()) +
                           " plugin file(s) rejected or blocked; see `hearth plugins --blocked`")
              << '\n';
}

std::string md_cell(std::string s) {
  for (size_t at = s.find('|'); at != std::string::npos; at = s.find('|', at + 2)) s.replace(at, 1, "\\|");
  return s;
}

void markdown_params(const std::vector<ParamInfo>& params) {
  if (params.empty()) {
    std::cout << "No parameters.\n\n";
    return;
  }
  std::cout << "| key | type | default | allowed | meaning |\n|---|---|---|---|---|\n";
  for (const ParamInfo& p : params) {
    std::string allowed = range_text(p);
    if (!p.choices.empty()) {
      allowed.clear();
      for (size_t i = 0; i < p.choices.size(); ++i) allowed += (i ? ", " : "") + ("`" + p.choices[i] + "`");
    }
    std::cout << "| `" << p.key << "` | " << param_type_name(p.type) << " | "
              << (p.default_toml ? "`" + md_cell(*p.default_toml) + "`" : std::string("**required**")) << " | "
              << md_cell(allowed) << " | " << md_cell(p.doc) << " |\n";
  }
  std::cout << "\n";
}

/// The job reference generated from the schemas: host tables, then every module found.
void print_markdown(const PluginRegistry& reg) {
  std::cout << "### `[job]`\n\n";
  markdown_params(job_keys().schema());
  std::cout << "### `[train]`\n\n";
  markdown_params(train_keys().schema());
  std::cout << "### `[distributed]`\n\nRead only when a launcher starts several ranks (see docs/distributed.md).\n\n";
  markdown_params(distributed_keys().schema());
  std::cout << "### `[export]`\n\nOptional: what a run exports when its training ends (see docs/export.md).\n\n";
  markdown_params(export_keys().schema());
  std::cout << "### Host keys inside module tables\n\nBeside `plugin` and the module's own keys:\n\n"
            << "#### `[dataset]`\n\n";
  markdown_params(dataset_keys().schema());
  std::cout << "#### `[model]`\n\n";
  markdown_params(model_keys().schema());
  std::cout << "#### `[[analyzers]]`\n\n";
  markdown_params(analyzer_keys().schema());
  std::cout << "#### `[[renders]]`\n\n";
  markdown_params(render_keys().schema());
  std::cout << "#### `[[diagnostics]]`\n\nSee docs/diagnostics.md.\n\n";
  markdown_params(diagnostic_keys().schema());
  std::cout << "#### `[[losses]]`\n\n";
  markdown_params(loss_keys().schema());
  std::cout << "#### `[[metrics]]`\n\n";
  markdown_params(metric_keys().schema());
  for (int c = 0; c < HEARTH_CATEGORY_COUNT; ++c) {
    auto cat = static_cast<hearth_category>(c);
    std::vector<const ModuleEntry*> mods;
    for (const ModuleEntry& m : reg.modules())
      if (m.info.category == cat && !m.shadowed) mods.push_back(&m);
    std::sort(mods.begin(), mods.end(), [](auto* a, auto* b) { return a->info.name < b->info.name; });
    std::string title = category_folder(cat);
    title[0] = static_cast<char>(std::toupper(title[0]));
    std::cout << "### " << title << "\n\n";
    for (const ModuleEntry* m : mods) {
      std::cout << "#### `" << m->info.name << "`: " << m->info.summary << "\n\n";
      std::string doc = m->info.doc;
      std::replace(doc.begin(), doc.end(), '\n', ' ');
      if (!doc.empty()) std::cout << doc << "\n\n";
      markdown_params(m->info.params);
    }
  }
}

void list_blocked(const PluginsOptions& o, const PluginRegistry& reg) {
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const ScanResult& r : reg.problems())
      out.push_back({{"file", json_text(r.path)}, {"status", scan_status_name(r.status)}, {"reason", json_text(r.reason)}});
    std::cout << out.dump(2) << '\n';
    return;
  }
  Style st = style_for(stdout);
  if (reg.problems().empty()) {
    std::cout << "No rejected or blocked plugin files.\n";
    return;
  }
  for (const ScanResult& r : reg.problems()) {
    std::string status = scan_status_name(r.status);
    std::cout << (r.status == ScanStatus::blocked ? st.red(status) : st.yellow(status)) << "  " << printable(r.path) << "\n    "
              << r.reason << '\n';
  }
  std::cout << st.dim("Blocked files are skipped until they change; --rescan tries them again.") << '\n';
}

void print_module(const ModuleEntry& m, const Style& st) {
  auto field = [&](const std::string& k, const std::string& v) { std::cout << "  " << pad(k, 12) << v << '\n'; };
  std::cout << st.bold(m.info.name) << "  (" << category_name(m.info.category) << ")\n";
  field("Summary", m.info.summary);
  field("Pack", m.pack + " " + m.pack_version);
  field("File", printable(m.file.string()));
  field("Found in", m.origin + (m.shadowed ? " (shadowed by an earlier module of the same name)" : ""));
  field("Built with", "plugin ABI " + std::to_string(m.library->abi_major) + "." + std::to_string(m.library->abi_minor) +
                          ", LibTorch " + std::to_string(m.library->torch_major) + "." +
                          std::to_string(m.library->torch_minor) + ", CXX11 ABI " +
                          std::to_string(m.library->cxx11_abi) + ", " + m.library->compiler);
  if (!m.info.doc.empty()) {
    std::cout << '\n';
    std::istringstream doc(m.info.doc);
    for (std::string line; std::getline(doc, line);) std::cout << "  " << line << '\n';
  }
  std::cout << '\n' << st.bold("  Parameters") << '\n';
  if (m.info.params.empty()) {
    std::cout << "    (none)\n";
    return;
  }
  std::vector<std::array<std::string, 5>> rows;
  for (const ParamInfo& p : m.info.params) {
    std::string extra = range_text(p);
    if (!p.choices.empty()) {
      extra = "one of ";
      for (size_t i = 0; i < p.choices.size(); ++i) extra += (i ? "|" : "") + p.choices[i];
    }
    rows.push_back({p.key, param_type_name(p.type), p.default_toml ? *p.default_toml : "(required)", extra, p.doc});
  }
  std::array<size_t, 4> w{};
  for (const auto& r : rows)
    for (size_t c = 0; c < 4; ++c) w[c] = std::max(w[c], r[c].size());
  for (const auto& r : rows)
    std::cout << "    " << pad(r[0], w[0] + 2) << pad(r[1], w[1] + 2) << pad(r[2], w[2] + 2) << pad(r[3], w[3] + 2)
              << r[4] << '\n';
}

void describe(const PluginsOptions& o, DiscoveryOptions options) {
  std::error_code ec;
  bool is_file = fs::is_regular_file(o.describe_target, ec);
  if (is_file) options.roots.plugin_paths.insert(options.roots.plugin_paths.begin(), fs::path(o.describe_target).parent_path());
  PluginRegistry reg = PluginRegistry::discover(options);
  std::vector<const ModuleEntry*> found = is_file ? reg.in_file(o.describe_target) : reg.lookup(o.describe_target);
  if (found.empty()) {
    if (is_file) {
      std::string abs = fs::absolute(o.describe_target).lexically_normal().string();
      for (const ScanResult& r : reg.problems())
        if (r.path == abs) throw PluginError("plugin " + printable(abs) + " is " + scan_status_name(r.status) + ": " + r.reason);
      throw UsageError(o.describe_target + " offers no Hearth modules");
    }
    std::vector<std::string> names;
    for (const ModuleEntry& m : reg.modules()) names.push_back(m.info.name);
    std::string message = "no module named '" + o.describe_target + "'";
    auto bare = o.describe_target.substr(o.describe_target.find(':') == std::string::npos ? 0 : o.describe_target.find(':') + 1);
    if (auto best = closest_match(bare, names)) message += "; did you mean '" + *best + "'?";
    else message += "; `hearth plugins` lists them all";
    throw UsageError(message);
  }
  if (o.describe_json) {
    nlohmann::json out = nlohmann::json::array();
    for (const ModuleEntry* m : found) out.push_back(module_json(*m, true));
    std::cout << out.dump(2) << '\n';
    return;
  }
  Style st = style_for(stdout);
  for (size_t i = 0; i < found.size(); ++i) {
    if (i) std::cout << '\n';
    print_module(*found[i], st);
  }
}

}  // namespace

void setup_plugins_command(CLI::App& app) {
  auto o = std::make_shared<PluginsOptions>();
  CLI::App* cmd = app.add_subcommand("plugins", "List the plugin modules Hearth can find");
  o->discovery.add_to(*cmd);
  cmd->add_option("--category", o->category, "Only this category (" + category_list() + ")");
  cmd->add_flag("--json", o->json, "Machine-readable output");
  cmd->add_flag("--blocked", o->blocked, "List rejected and blocked plugin files with their reasons");
  cmd->add_flag("--markdown", o->markdown, "Print the job reference of the host tables and every module (docs/jobs.md)");

  CLI::App* desc = cmd->add_subcommand("describe", "Details of a module, or of every module of a library file");
  desc->add_option("target", o->describe_target, "Module name, pack:name, or a library file")->required();
  desc->add_flag("--json", o->describe_json, "Machine-readable output");
  o->discovery.add_to(*desc);

  cmd->callback([o, desc]() {
    if (desc->parsed()) return;  // describe runs its own callback
    PluginRegistry reg = PluginRegistry::discover(o->discovery.options());
    if (o->markdown) print_markdown(reg);
    else if (o->blocked) list_blocked(*o, reg);
    else list_modules(*o, reg);
  });
  desc->callback([o]() {
    describe(*o, o->discovery.options());
  });
}

}  // namespace hearth::cli
