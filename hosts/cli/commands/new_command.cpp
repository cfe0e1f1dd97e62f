// `hearth new CATEGORY NAME [--dir D]`: copies the plugin template and renames it, or adds a module
// to the plugin project D.
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <sstream>

#include "cli_context.hpp"
#include "commands/commands.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/core/category.hpp"
#include "engine/core/error.hpp"
#include "engine/discovery/search_roots.hpp"
#include "terminal.hpp"

namespace hearth::cli {
namespace {

struct NewOptions {
  std::string category;
  std::string name;
  std::string dir = ".";
  std::string summary;  ///< the project's (its pack's) one line; empty: "NAME: a CATEGORY module (...)"
};

/// The manifest's summary line: the template's own describes the template's metric, not the
/// author's module, and would become every scaffolded pack's summary.
std::string summary_line(const NewOptions& o, const std::string& category) {
  std::string text = o.summary.empty() ? o.name + ": a " + category + " module (write what it does here, in hearth-plugin.toml)"
                                       : o.summary;
  bool plain = is_utf8(text);
  for (unsigned char c : text) plain &= !(c < 0x20 || c == 0x7f || c == '"' || c == '\\');
  if (!plain)
    throw UsageError("--summary must be one line of UTF-8 text without quotes or backslashes (the manifest keeps it as a "
                     "TOML string): " + printable(text));
  return "summary = \"" + text + "\"";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error("cannot read " + p.string());
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw Error("cannot write " + p.string());
}

std::string camel_case(const std::string& snake) {
  std::string out;
  bool upper = true;
  for (char c : snake) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

fs::path template_folder() {
  if (const char* env = std::getenv("HEARTH_TEMPLATE_DIR"); env && *env) return env;
  return install_layout().share / "plugin-template";
}

/// The template's source of a module of `category`, renamed to `name`.
std::string module_source(const fs::path& source, hearth_category category, const std::string& name) {
  const std::string cat = category_name(category);
  fs::path file = category == HEARTH_CATEGORY_METRIC ? source / "src" / "template_module.cpp" : source / "skeletons" / (cat + ".cpp");
  if (!fs::exists(file)) throw Error("the plugin template has no skeleton for " + cat + " at " + file.string());
  return replace_all(replace_all(read_file(file), "template_module", name), "TemplateModule", camel_case(name));
}

/// `project` is a plugin project already: the module joins it as src/NAME.cpp and an entry of its
/// manifest's `modules`, built into a library of its own in the same pack.
void add_to_project(const NewOptions& o, hearth_category category, const fs::path& source, const fs::path& project) {
  const fs::path manifest = project / "hearth-plugin.toml", file = project / "src" / (o.name + ".cpp");
  std::string text = read_file(manifest);
  std::smatch own;
  if (std::regex_search(text, own, std::regex("(^|\n)name *= *\"([^\"]*)\"")) && own[2] == o.name)
    throw UsageError("the project " + project.string() + " is module '" + o.name + "' already; pick another name");
  if (fs::exists(file)) throw UsageError(file.string() + " already exists; pick another name");
  if (read_file(project / "CMakeLists.txt").find("_modules") == std::string::npos)
    throw UsageError(project.string() + "/CMakeLists.txt builds one module only (it predates projects of several): copy the "
                     "template's from " + (source / "CMakeLists.txt").string() + " first");
  const std::string entry = "\"" + o.name + ":" + category_name(category) + "\"";
  std::smatch list;
  if (std::regex_search(text, list, std::regex("(^|\n)modules *= *\\[([^\\]]*)\\]"))) {
    if (list[2].str().find("\"" + o.name + ":") != std::string::npos)
      throw UsageError("the project " + project.string() + " has a module '" + o.name + "' already");
    const bool empty = list[2].str().find_first_not_of(" \t\n") == std::string::npos;
    const size_t close = static_cast<size_t>(list.position(0) + list.length(0)) - 1;
    text.insert(close, empty ? entry : ", " + entry);
  } else {
    text += (text.empty() || text.back() == '\n' ? "" : "\n") + std::string("modules = [") + entry + "]\n";
  }
  write_file(file, module_source(source, category, o.name));
  write_file(manifest, text);
  std::cout << style_for(stdout).green("Added") << " " << category_name(category) << " '" << o.name << "' to " << project.string()
            << " (src/" << o.name << ".cpp, and modules in hearth-plugin.toml)\n\nRebuild the project: each module becomes "
            << "a library of its own under build/plugins/, one --plugin-path for all of them.\n";
}

void run_new(const NewOptions& o) {
  auto category = parse_category(o.category);
  if (!category) throw UsageError("unknown category '" + o.category + "'; use one of " + category_list());
  if (!std::regex_match(o.name, std::regex("[a-z][a-z0-9_]*")))
    throw UsageError("module name '" + o.name + "' must be lower case letters, digits and '_' (e.g. top3, my_loss)");
  const std::string summary = summary_line(o, category_name(*category));
  fs::path source = template_folder();
  if (!fs::exists(source / "hearth-plugin.toml"))
    throw Error("the plugin template is missing at " + source.string() +
                "; reinstall Hearth or set HEARTH_TEMPLATE_DIR to its plugin-template folder");
  if (fs::exists(fs::path(o.dir) / "hearth-plugin.toml")) return add_to_project(o, *category, source, o.dir);
  fs::path target = fs::path(o.dir) / o.name;
  if (fs::exists(target)) throw UsageError(target.string() + " already exists; pick another name or --dir");

  // Copy into a temporary sibling first, so a failure leaves nothing half made.
  fs::create_directories(target.parent_path().empty() ? "." : target.parent_path());
  fs::path staging = target;
  staging += ".hearth-new-tmp";
  fs::remove_all(staging);
  fs::copy(source, staging, fs::copy_options::recursive);
  fs::remove_all(staging / "skeletons");
  fs::remove_all(staging / "build");

  const std::string cat = category_name(*category);
  write_file(staging / "src" / "template_module.cpp", module_source(source, *category, "template_module"));
  std::vector<fs::path> files;
  for (auto& e : fs::recursive_directory_iterator(staging))
    if (e.is_regular_file()) files.push_back(e.path());
  for (const fs::path& f : files) {
    std::string text = read_file(f);
    text = replace_all(text, "template_module", o.name);
    text = replace_all(text, "TemplateModule", camel_case(o.name));
    text = std::regex_replace(text, std::regex("category = \"[a-z]+\""), "category = \"" + cat + "\"");
    if (f.filename() == "hearth-plugin.toml")
      text = std::regex_replace(text, std::regex("summary = \"[^\"\n]*\""), replace_all(summary, "$", "$$"));  // "$$" writes a $
    write_file(f, text);
    std::string fname = f.filename().string();
    if (fname.find("template_module") != std::string::npos)
      fs::rename(f, f.parent_path() / replace_all(fname, "template_module", o.name));
  }
  fs::rename(staging, target);

  Style st = style_for(stdout);
  std::string folder = category_folder(*category);
  std::cout << st.green("Created") << " " << cat << " '" << o.name << "' in " << target.string() << "\n\n"
            << "Build it:\n"
            << "  cmake -S " << target.string() << " -B " << (target / "build").string()
            << " -DCMAKE_PREFIX_PATH=" << install_layout().prefix.string() << "\n"
            << "  cmake --build " << (target / "build").string() << "\n\n"
            << "Each build also copies the library to " << (target / "build" / "plugins" / folder).string()
            << ", so try it with:\n"
            << "  hearth plugins --plugin-path " << (target / "build" / "plugins").string() << " --category " << cat
            << "\n\n"
            << "To use it everywhere, drop lib" << o.name << ".so into " << (user_plugin_folder() / folder).string()
            << "\n";
}

}  // namespace

void setup_new_command(CLI::App& app) {
  auto o = std::make_shared<NewOptions>();
  CLI::App* cmd = app.add_subcommand("new", "Scaffold a plugin module from the template");
  cmd->add_option("category", o->category, "One of " + category_list())->required();
  cmd->add_option("name", o->name, "Module name: lower case letters, digits and '_'")->required();
  cmd->add_option("--dir", o->dir,
                  "Folder to create the project in (default: current folder); a plugin project's own folder: add the "
                  "module to that project");
  cmd->add_option("--summary", o->summary,
                  "The project's one-line summary (its pack's); default: the module's name and category");
  cmd->callback([o]() { run_new(*o); });
}

}  // namespace hearth::cli
