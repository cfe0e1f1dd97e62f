#include "engine/runtime/modules/analyzer_module.hpp"

#include "engine/runtime/host_api.hpp"

namespace hearth {
namespace {
std::vector<const char*> c_strings(const std::vector<std::string>& v) {
  std::vector<const char*> out;
  for (const std::string& s : v) out.push_back(s.c_str());
  return out;
}
}  // namespace

void AnalyzerModule::start(const std::vector<std::string>& tensor_names, const std::vector<hearth_role>& roles,
                           const std::vector<std::string>& class_names) {
  auto names = c_strings(tensor_names);
  auto classes = c_strings(class_names);
  call("start", f().start, object_, names.data(), roles.data(), names.size(), classes.data(), classes.size());
}

void AnalyzerModule::take(const std::vector<at::Tensor>& sample) {
  HandleArray handles(sample);
  call("take", f().take, object_, handles.data(), handles.size());
}

void AnalyzerModule::finish() { call("finish", f().finish, object_); }

std::optional<at::Tensor> AnalyzerModule::class_weights() {
  if (f().class_weights == nullptr) return std::nullopt;
  hearth_tensor* out = nullptr;
  if (!check_optional(ask("class_weights", f().class_weights, object_, &out), "class_weights")) return std::nullopt;
  if (out == nullptr) throw PluginError(module_.label() + ": class_weights returned no tensor");
  at::Tensor w = out->tensor;
  delete out;
  return w;
}

void AnalyzerModule::report(cairo_t* cr, int width, int height) { call("report", f().report, object_, cr, width, height); }

std::vector<std::pair<std::string, std::string>> AnalyzerModule::summary() {
  hearth_kv_sink sink;
  call("summary", f().summary, object_, &sink);
  return sink.items;
}

}  // namespace hearth
