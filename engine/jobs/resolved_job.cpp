// Job::resolved_toml: the job as it ran, every default filled in, every module pinned to its pack.
#include "engine/jobs/job.hpp"

#include <sstream>

namespace hearth {
namespace {

void append_table(std::ostringstream& os, const std::string& header, const ModuleSpec* spec, const ParamValues* host) {
  os << header << "\n";
  if (spec) os << "plugin = \"" << (spec->entry->pack + ":" + spec->entry->info.name) << "\"\n";
  if (host)
    for (const auto& [k, v] : host->all()) os << k << " = " << to_toml_text(v) << "\n";
  if (spec) {
    for (const auto& [k, v] : spec->params.all())
      if (!spec->from_analyzer.count(k) && !spec->from_dataset.count(k)) os << k << " = " << to_toml_text(v) << "\n";
    for (const auto& [k, name] : spec->from_analyzer) os << k << " = \"analyzer:" << name << "\"\n";
    for (const auto& [k, name] : spec->from_dataset) os << k << " = \"dataset:" << name << "\"\n";
  }
  os << "\n";
}

}  // namespace

std::string Job::resolved_toml() const {
  std::ostringstream os;
  os << "# Resolved job: every default filled in, every module pinned to its pack.\n"
     << "# Source: " << file.string() << "\n\n";
  append_table(os, "[job]", nullptr, &job);
  if (dataset.entry) append_table(os, "[dataset]", &dataset, &dataset.host);
  for (const ModuleSpec& a : analyzers) append_table(os, "[[analyzers]]", &a, &a.host);
  append_table(os, "[model]", &model, &model.host);
  for (const ModuleSpec& l : losses) append_table(os, "[[losses]]", &l, &l.host);
  for (const ModuleSpec& m : metrics) append_table(os, "[[metrics]]", &m, &m.host);
  append_table(os, "[optimizer]", &optimizer, nullptr);
  if (scheduler) append_table(os, "[scheduler]", &*scheduler, nullptr);
  append_table(os, "[train]", nullptr, &train);
  append_table(os, "[distributed]", nullptr, &distributed);
  if (export_step) append_table(os, "[export]", nullptr, &*export_step);
  for (const ModuleSpec& r : renders) append_table(os, "[[renders]]", &r, &r.host);
  for (const ModuleSpec& d : diagnostics) append_table(os, "[[diagnostics]]", &d, &d.host);
  for (const TransformSpec& t : transforms) {
    os << "[[transforms]]\nop = \"" << t.op << "\"\n";
    for (const auto& [k, v] : t.params.all()) os << k << " = " << to_toml_text(v) << "\n";
    os << "\n";
  }
  return os.str();
}

}  // namespace hearth
