#include "engine/export/model_export.hpp"

#include <spdlog/spdlog.h>

#include <ATen/ATen.h>
#include <torch/csrc/jit/passes/tensorexpr_fuser.h>
#include <torch/csrc/jit/serialization/import.h>
#include <torch/script.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "engine/core/atomic_file.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/core/sha256.hpp"
#include "engine/core/utc_timestamp.hpp"
#include "engine/export/model_trace.hpp"
#include "engine/export/program_inputs.hpp"
#include "engine/export/onnx_export.hpp"
#include "engine/export/state_files.hpp"
#include "engine/jobs/session.hpp"
#include "hearth/version.h"

namespace hearth {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<std::pair<ExportFormat, const char*>> kFormats = {{ExportFormat::torchscript, "torchscript"},
                                                                   {ExportFormat::state_dict, "state_dict"},
                                                                   {ExportFormat::safetensors, "safetensors"},
                                                                   {ExportFormat::onnx, "onnx"}};

const char* file_name(ExportFormat f) {
  switch (f) {
    case ExportFormat::torchscript: return "model.torchscript.pt";
    case ExportFormat::state_dict: return "state_dict.pt";
    case ExportFormat::safetensors: return "model.safetensors";
    case ExportFormat::onnx: return "model.onnx";
  }
  return "";
}

/// Real inputs of the job's data: a batch of 2 to trace with, and up to 5 other samples (a batch
/// of another size, so that a batch size frozen into the trace shows) to check the export on.
struct Samples {
  std::vector<std::string> names;
  std::vector<at::Tensor> trace, check;
};

/// The trace batch and the check samples cut from the inputs of a few samples, one tensor per input.
Samples split_samples(std::vector<std::string> names, const std::vector<at::Tensor>& inputs) {
  Samples s;
  s.names = std::move(names);
  for (const at::Tensor& given : inputs) {
    at::Tensor all = given.cpu();
    s.trace.push_back(all.slice(0, 0, std::min<int64_t>(2, all.size(0))));
    s.check.push_back(all.size(0) > 2 ? all.slice(0, 2, 7) : all);
  }
  return s;
}

/// A run whose data came from a program (hearth/embed.h): the samples of its inputs it kept.
Samples program_samples(const fs::path& run) {
  const std::vector<at::Tensor> inputs = read_program_inputs(run);
  std::vector<std::string> names;
  for (size_t i = 0; i < inputs.size(); ++i) names.push_back(inputs.size() == 1 ? "input" : "input" + std::to_string(i));
  return split_samples(names, inputs);
}

Samples samples_of(Session& session, const fs::path& run) {
  if (!session.job().dataset.entry) return program_samples(run);
  std::optional<SplitName> split;
  for (SplitName s : {SplitName::valid, SplitName::test, SplitName::train})
    if (!split && !session.plan().indices(s).empty()) split = s;
  if (!split) throw UsageError("the run's dataset has no samples to trace the model with; export state_dict or safetensors");
  BatchLoader& loader = session.loader(*split);
  loader.start_epoch(0);
  std::vector<std::vector<at::Tensor>> parts;
  int64_t have = 0;
  while (have < 7) {
    std::optional<Batch> b = loader.next();
    if (!b) break;
    parts.push_back(b->inputs);
    have += b->size;
  }
  std::vector<std::string> names;
  const auto& data = session.data();
  for (size_t i = 0; i < data.tensor_names().size(); ++i)
    if (data.tensor_roles()[i] == HEARTH_ROLE_INPUT) names.push_back(data.tensor_names()[i]);
  std::vector<at::Tensor> inputs;
  for (size_t k = 0; k < parts.at(0).size(); ++k) {
    std::vector<at::Tensor> column;
    for (const auto& p : parts) column.push_back(p[k]);
    inputs.push_back(at::cat(column, 0));
  }
  return split_samples(names, inputs);
}

/// Files written under temporary names in the output folder; renamed into place together by
/// commit(), removed by the destructor when something failed first.
class StagedFiles {
 public:
  explicit StagedFiles(fs::path folder) : folder_(std::move(folder)) {}
  ~StagedFiles() {
    std::error_code ec;
    for (const auto& [temp, name] : files_) fs::remove(temp, ec);
  }
  /// A temporary path in the folder for `name`, removed unless committed.
  fs::path reserve(const std::string& name) {
    fs::path temp = folder_ / ("." + name + ".tmp-" + std::to_string(::getpid()));
    files_.emplace_back(temp, name);
    return temp;
  }
  fs::path write(const std::string& name, const std::string& bytes) {
    fs::path temp = reserve(name);
    write_file_atomically(temp, bytes, "export");
    return temp;
  }
  void commit() {
    for (const auto& [temp, name] : files_)
      if (fs::exists(temp)) fs::rename(temp, folder_ / name);
    files_.clear();
    sync_folder(folder_);
  }

 private:
  fs::path folder_;
  std::vector<std::pair<fs::path, std::string>> files_;
};

/// The tensors of a TorchScript forward's result: a tensor, a tuple or a list of them.
std::vector<at::Tensor> tensors_in(const c10::IValue& v) {
  std::vector<at::Tensor> out;
  if (v.isTensor()) out.push_back(v.toTensor());
  else if (v.isTuple()) for (const auto& e : v.toTupleRef().elements()) out.push_back(e.toTensor());
  else if (v.isTensorList()) for (const at::Tensor& t : v.toTensorVector()) out.push_back(t);
  return out;
}

/// The largest |exported - live| over the outputs; throws when any element is outside the
/// tolerance (or a shape differs), naming the format.
double compare(const std::vector<at::Tensor>& live, const std::vector<at::Tensor>& exported, const std::string& what) {
  if (live.size() != exported.size())
    throw Error(what + " gives " + std::to_string(exported.size()) + " outputs where the model gives " + std::to_string(live.size()));
  double worst = 0;
  for (size_t i = 0; i < live.size(); ++i) {
    at::Tensor a = live[i].detach().cpu().to(at::kDouble), b = exported[i].detach().cpu().to(at::kDouble);
    if (!a.sizes().equals(b.sizes()))
      throw Error(what + " gives output " + std::to_string(i) + " of shape " + c10::str(b.sizes()) + " where the model gives " +
                  c10::str(a.sizes()) + ": a size of the traced batch was frozen into the trace (as x.view({x.size(0), -1}) does)");
    at::Tensor diff = (a - b).abs();
    if (diff.numel() == 0) continue;
    worst = std::max(worst, diff.max().item<double>());
    if (!(diff <= kExportAtol + kExportRtol * a.abs()).all().item<bool>())
      throw Error(what + " gives outputs that differ from the model's (largest difference " + std::to_string(worst) +
                  "): forward probably depends on the values of its inputs (a branch or loop on a tensor), which a trace "
                  "records for the traced batch only; export state_dict or safetensors instead, and mark the model "
                  "not traceable (Model::traceable() returning false)");
  }
  return worst;
}

std::vector<at::Tensor> run_module(torch::jit::Module& m, const std::vector<at::Tensor>& inputs) {
  torch::NoGradGuard no_grad;
  std::vector<c10::IValue> args(inputs.begin(), inputs.end());
  return tensors_in(m.forward(args));
}

json shape_json(const at::Tensor& t) {
  json shape = json::array({"batch"});
  for (int64_t d = 1; d < t.dim(); ++d) shape.push_back(t.size(d));
  return shape;
}

/// What the manifest and the TorchScript file's hearth.json say about the inputs and outputs.
json signature(const Samples& s, const std::vector<at::Tensor>& outputs, const std::vector<std::string>& classes) {
  json sig = {{"inputs", json::array()}, {"outputs", json::array()}, {"classes", classes}};
  for (size_t i = 0; i < s.trace.size(); ++i)
    sig["inputs"].push_back({{"name", identifier_of(s.names.at(i))}, {"dtype", c10::toString(s.trace[i].scalar_type())},
                             {"shape", shape_json(s.trace[i])}});
  for (size_t i = 0; i < outputs.size(); ++i)
    sig["outputs"].push_back({{"name", outputs.size() == 1 ? "output" : "output" + std::to_string(i)},
                              {"dtype", c10::toString(outputs[i].scalar_type())}, {"shape", shape_json(outputs[i])}});
  return sig;
}

}  // namespace

std::vector<ExportFormat> parse_export_formats(const std::vector<std::string>& names) {
  std::vector<ExportFormat> out;
  auto add = [&](ExportFormat f) {
    if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
  };
  for (const std::string& n : names) {
    if (n == "all") {
      for (const auto& [f, _] : kFormats) add(f);
      continue;
    }
    auto it = std::find_if(kFormats.begin(), kFormats.end(), [&](const auto& p) { return n == p.second; });
    if (it == kFormats.end())
      throw UsageError("unknown export format '" + n + "'; the formats are torchscript, state_dict, safetensors, onnx (or all)");
    add(it->first);
  }
  if (out.empty()) throw UsageError("no export format given; the formats are torchscript, state_dict, safetensors, onnx (or all)");
  return out;
}

const char* format_name(ExportFormat format) {
  for (const auto& [f, n] : kFormats)
    if (f == format) return n;
  return "?";
}

namespace {

/// The output folder, made if missing; refused when it cannot be written.
void prepare_folder(const fs::path& out) {
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out))
    throw UsageError("cannot make the export folder " + out.string() + ": " + (ec ? ec.message() : "it is not a folder") +
                     "; give --out a folder you can write");
  if (::access(out.c_str(), W_OK | X_OK) != 0)
    throw UsageError("cannot write to the export folder " + out.string() + ": " + std::strerror(errno) +
                     "; give --out a folder you can write");
}

/// The TorchScript archive and how closely it reproduces the live model.
struct ScriptExport {
  std::string bytes;
  double max_difference = 0;
  bool traced = false;
};

/// `live_trace`: the model's outputs on the traced batch (the signature was read from them).
ScriptExport torchscript_of(Session& session, const Samples& s, const std::vector<at::Tensor>& live_trace, const json& sig) {
  // The check runs the saved module through the JIT, whose TensorExpr fuser (LibTorch 2.6 on CPU)
  // never finishes the fused kernel it makes for a traced ViT (PyTorch 2.6 hangs alike); the
  // check wants the module's numbers, not its speed.
  torch::jit::setTensorExprFuserEnabled(false);
  ModelModule& model = session.model();
  const std::vector<at::Tensor> live_check = session.predict(s.check);
  ScriptExport e;
  torch::jit::Module module;
  if (std::optional<std::string> script = model.save_script()) {
    std::istringstream in(*script);
    module = torch::jit::load(in);
  } else {
    if (!model.traceable())
      throw UsageError(model.module().label() + " says its forward cannot be traced faithfully (it branches or loops on "
                       "tensor values, which a trace records for one batch only); export state_dict or safetensors instead");
    module = trace_model(model, s.trace, s.names);
    e.traced = true;
  }
  module.eval();
  std::ostringstream os;
  module.save(os, torch::jit::ExtraFilesMap{{"hearth.json", sig.dump(2)}});
  e.bytes = os.str();
  std::istringstream back(e.bytes);
  torch::jit::Module loaded = torch::jit::load(back);
  loaded.eval();
  const std::string what = "the TorchScript export of " + model.module().label();
  e.max_difference = std::max(compare(live_trace, run_module(loaded, s.trace), what + " (on the traced batch)"),
                              compare(live_check, run_module(loaded, s.check), what + " (on other samples)"));
  return e;
}

/// The entries of an earlier manifest in `out` for the same checkpoint whose files are still
/// there and that this export does not replace.
json kept_entries(const fs::path& out, const ExportSource& source, const std::vector<ExportFormat>& formats) {
  json kept = json::array();
  std::ifstream in(out / "manifest.json");
  json old = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!old.is_object() || old.value("run", "") != source.run || old.value("checkpoint", "") != source.checkpoint ||
      old.value("epoch", int64_t{-1}) != source.epoch || !old.contains("files") || !old["files"].is_array())
    return kept;
  for (const json& f : old["files"]) {
    if (!f.is_object()) continue;
    const std::string format = f.value("format", ""), file = f.value("file", "");
    bool replaced = std::any_of(formats.begin(), formats.end(), [&](ExportFormat x) { return format == format_name(x); });
    if (!replaced && !file.empty() && file.find('/') == std::string::npos && fs::is_regular_file(out / file)) kept.push_back(f);
  }
  return kept;
}

/// Seconds since `start`, for the manifest: what each format cost.
double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

json file_entry(ExportFormat format, const fs::path& staged, std::chrono::steady_clock::time_point start) {
  return {{"format", format_name(format)}, {"file", file_name(format)}, {"bytes", fs::file_size(staged)},
          {"sha256", sha256_file(staged)}, {"seconds", seconds_since(start)}};
}

json safetensors_entry(const NamedTensors& state, const ExportSource& source, const json& sig, StagedFiles& staged) {
  const auto start = std::chrono::steady_clock::now();
  SafetensorsFile st;
  st.tensors = safetensors_of(state);
  st.metadata = {{"format", "pt"}, {"hearth_version", HEARTH_VERSION_STRING}, {"job", source.job},
                 {"run_id", source.run_id}, {"checkpoint", source.checkpoint}, {"epoch", std::to_string(source.epoch)},
                 {"classes", sig["classes"].dump()}};
  fs::path temp = staged.reserve(file_name(ExportFormat::safetensors));
  write_safetensors(temp, st);
  return file_entry(ExportFormat::safetensors, temp, start);
}

/// The ONNX file made from the TorchScript one, with the trace batch as the exporter's example.
json onnx_entry(const Samples& samples, const fs::path& script_file, StagedFiles& staged, StagedFiles& scratch) {
  const auto start = std::chrono::steady_clock::now();
  NamedTensors inputs;
  for (size_t i = 0; i < samples.trace.size(); ++i) inputs.emplace_back(identifier_of(samples.names[i]), samples.trace[i]);
  fs::path sample_file = scratch.write("onnx-sample.pt", state_dict_pt_bytes(inputs));
  fs::path temp = staged.reserve(file_name(ExportFormat::onnx));
  OnnxOutcome o = export_onnx(script_file, sample_file, temp, kExportAtol, kExportRtol);
  json entry = file_entry(ExportFormat::onnx, temp, start);
  entry["opset"] = kOnnxOpset;
  entry["checked"] = "onnx.checker (onnx " + o.onnx_version + ", exported by PyTorch " + o.torch_version + ")";
  if (o.max_difference) entry["max_difference"] = *o.max_difference;
  return entry;
}

/// The formats of one export that failed, each with its reason: the others are still written.
class ExportFailures {
 public:
  /// Runs `make` for `format`, adding its manifest entry to `files`, or its error to the failures.
  template <typename Make>
  void attempt(ExportFormat format, json& files, Make make) {
    try {
      files.push_back(make());
    } catch (const Error& e) {
      const bool usage = dynamic_cast<const UsageError*>(&e) != nullptr;
      usage_only_ = usage_only_ && usage;
      failed_.push_back({format_name(format), e.what(), usage});
    }
  }
  /// Throws, for a format made from `format`'s file, the kind of error `format` failed with.
  void require(ExportFormat format) const {
    for (const Failure& f : failed_) {
      if (f.format != format_name(format)) continue;
      const std::string why = "it is made from the " + f.format + " file, whose export failed (above)";
      if (f.usage) throw UsageError(why);
      throw Error(why);
    }
  }
  /// Throws the failures, saying which files passed and where they are; nothing when none failed.
  void throw_any(const json& files, const fs::path& out) const {
    if (failed_.empty()) return;
    std::string text;
    for (const Failure& f : failed_) text += std::string(text.empty() ? "" : "\n") + "the " + f.format + " export failed: " + f.why;
    std::string kept;
    for (const json& f : files) kept += (kept.empty() ? "" : ", ") + f.value("file", std::string());
    text += kept.empty() ? "\n  nothing was exported"
                         : "\n  the other formats passed their checks and are in " + printable(out.string()) + ": " + kept +
                               " (manifest.json lists them)";
    if (usage_only_) throw UsageError(text);
    throw Error(text);
  }

 private:
  struct Failure {
    std::string format, why;
    bool usage;  ///< a UsageError: the request cannot be met as asked (exit 2)
  };
  std::vector<Failure> failed_;
  bool usage_only_ = true;
};

}  // namespace

json export_model(Session& session, const ExportSource& source, const std::vector<ExportFormat>& formats, const fs::path& out) {
  prepare_folder(out);
  ModelModule& model = session.model();
  model.train(false);
  auto has = [&](ExportFormat f) { return std::find(formats.begin(), formats.end(), f) != formats.end(); };
  const bool traces = has(ExportFormat::torchscript) || has(ExportFormat::onnx);
  Samples samples;
  try {
    samples = samples_of(session, source.run);
  } catch (const UsageError& e) {
    // The weights alone need no inputs: a run without them still exports state_dict and safetensors.
    if (traces) throw;
    spdlog::warn("{}; the manifest lists no inputs or outputs", e.what());
  }
  const std::vector<at::Tensor> live_trace = samples.trace.empty() ? std::vector<at::Tensor>() : session.predict(samples.trace);
  const json sig = signature(samples, live_trace, session.job().dataset.entry ? session.data().class_names() : std::vector<std::string>());
  StagedFiles staged(out), scratch(out);
  json files = kept_entries(out, source, formats);
  // Each format passes or fails on its own: one exporter's limit costs that format, not the others.
  ExportFailures failures;
  fs::path script_file;
  using Clock = std::chrono::steady_clock;
  if (has(ExportFormat::torchscript) || has(ExportFormat::onnx)) {
    json script_files = json::array();
    failures.attempt(ExportFormat::torchscript, script_files, [&] {
      const Clock::time_point start = Clock::now();
      ScriptExport e = torchscript_of(session, samples, live_trace, sig);
      StagedFiles& into = has(ExportFormat::torchscript) ? staged : scratch;
      script_file = into.write(file_name(ExportFormat::torchscript), e.bytes);
      json entry = file_entry(ExportFormat::torchscript, script_file, start);
      entry["how"] = e.traced ? "traced on a batch of " + std::to_string(samples.trace.at(0).size(0)) : "saved as it is (TorchScript already)";
      entry["max_difference"] = e.max_difference;
      return entry;
    });
    if (has(ExportFormat::torchscript)) files.insert(files.end(), script_files.begin(), script_files.end());
  }
  const NamedTensors state = model.state();
  if (has(ExportFormat::state_dict))
    failures.attempt(ExportFormat::state_dict, files, [&] {
      const Clock::time_point start = Clock::now();
      fs::path temp = staged.write(file_name(ExportFormat::state_dict), state_dict_pt_bytes(state));
      return file_entry(ExportFormat::state_dict, temp, start);
    });
  if (has(ExportFormat::safetensors))
    failures.attempt(ExportFormat::safetensors, files, [&] { return safetensors_entry(state, source, sig, staged); });
  if (has(ExportFormat::onnx))
    failures.attempt(ExportFormat::onnx, files, [&] {
      failures.require(ExportFormat::torchscript);
      return onnx_entry(samples, script_file, staged, scratch);
    });
  staged.commit();
  json manifest = {{"hearth", HEARTH_VERSION_STRING}, {"created", utc_timestamp()}, {"run", source.run},
                   {"run_id", source.run_id}, {"job", source.job}, {"checkpoint", source.checkpoint},
                   {"epoch", source.epoch}, {"inputs", sig["inputs"]}, {"outputs", sig["outputs"]},
                   {"classes", sig["classes"]}, {"tolerance", {{"atol", kExportAtol}, {"rtol", kExportRtol}}},
                   {"files", files}};
  if (!files.empty()) write_file_atomically(out / "manifest.json", manifest.dump(2) + "\n", "export manifest");
  failures.throw_any(files, out);
  return manifest;
}

}  // namespace hearth
