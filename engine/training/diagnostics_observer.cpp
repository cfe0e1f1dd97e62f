#include "engine/training/diagnostics_observer.hpp"

#include <ATen/ATen.h>
#include <cairo.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "engine/core/atomic_file.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/jobs/diagnostic_samples.hpp"
#include "engine/jobs/diagnostic_taps.hpp"
#include "engine/jobs/job_modules.hpp"
#include "engine/runs/diagnostic_files.hpp"
#include "engine/runs/diagnostic_scalars.hpp"
#include "engine/training/session_diagnostic_host.hpp"

namespace hearth {

struct DiagnosticsObserver::Slot {
  const ModuleSpec* spec = nullptr;
  DiagnosticOptions options;
  std::unique_ptr<DiagnosticModule> module;
  std::optional<DiagnosticSamples> samples;  ///< fetched on its first run
  bool disabled = false;                     ///< it failed once: left out from then on
};

namespace {

/// The parameters' gradients as they are, to put back after a diagnostic that took gradients of
/// its own (backward() adds into them).
std::vector<at::Tensor> saved_gradients(const std::vector<std::pair<std::string, at::Tensor>>& params) {
  std::vector<at::Tensor> out;
  for (const auto& p : params) out.push_back(p.second.grad().defined() ? p.second.grad().clone() : at::Tensor());
  return out;
}

void restore_gradients(const std::vector<std::pair<std::string, at::Tensor>>& params, const std::vector<at::Tensor>& grads) {
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor p = params[i].second;
    if (grads[i].defined()) p.mutable_grad() = grads[i];
    else p.mutable_grad() = at::Tensor();
  }
}

/// A Cairo PNG stream into a string.
cairo_status_t append_png(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

/// "pack:module" of a job's module table.
std::string plugin_of(const ModuleSpec& spec) { return spec.entry->pack + ":" + spec.entry->info.name; }

}  // namespace

std::unique_ptr<DiagnosticsObserver> DiagnosticsObserver::of_job(Session& session, RunFolder& run,
                                                                  TensorBoardWriter& tensorboard) {
  if (session.job().diagnostics.empty()) return nullptr;
  return std::make_unique<DiagnosticsObserver>(session, run, tensorboard);
}

DiagnosticsObserver::DiagnosticsObserver(Session& session, RunFolder& run, TensorBoardWriter& tensorboard)
    : session_(session), run_(run), tensorboard_(tensorboard) {
  const Job& job = session.job();
  for (size_t i = 0; i < job.diagnostics.size(); ++i) {
    auto slot = std::make_unique<Slot>();
    slot->spec = &job.diagnostics[i];
    slot->options = job.options.diagnostics[i];
    slot->module = std::make_unique<DiagnosticModule>(module_ref(job.diagnostics[i]), job.diagnostics[i].params);
    slots_.push_back(std::move(slot));
  }
  std::vector<DiagnosticModule*> modules;
  for (auto& slot : slots_) {
    modules.push_back(slot->module.get());
    // A split the data lacks is the job's mistake: said before the first epoch, not after it.
    session.split(slot->options.split, "[" + slot->spec->table + "] " + slot->options.name +
                                           " looks at this split; choose another with split = \"...\"");
  }
  check_diagnostic_taps(job, session.model(), modules);
}

DiagnosticsObserver::~DiagnosticsObserver() = default;

void DiagnosticsObserver::after_checkpoint(const EpochReport& report) {
  const int64_t epoch = report.epoch + 1;
  const auto t0 = std::chrono::steady_clock::now();
  bool ran = false;
  for (auto& slot : slots_) {
    if (slot->disabled || epoch % slot->options.every != 0) continue;
    ran = true;
    try {
      run_slot(*slot, epoch);
    } catch (const std::exception& e) {
      slot->disabled = true;
      spdlog::warn("diagnostic {} ({}) failed after epoch {} and is left out for the rest of the run: {}",
                   slot->options.name, plugin_of(*slot->spec), epoch, e.what());
      run_.record().diagnostic_failures.push_back({slot->options.name, plugin_of(*slot->spec), epoch, json_text(e.what())});
    }
  }
  if (!ran) return;
  RunRecord& record = run_.record();
  if (!record.timing.empty() && record.timing.back().epoch == epoch)
    record.timing.back().diagnostics_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  run_.save_record();
  tensorboard_.flush();
}

void DiagnosticsObserver::run_slot(Slot& slot, int64_t epoch) {
  if (!slot.samples) slot.samples = diagnostic_samples(session_, slot.options);
  ModelModule& model = session_.model();
  model.train(false);
  const auto params = model.named_parameters();
  const std::vector<at::Tensor> grads = saved_gradients(params);
  at::Generator cpu = at::detail::getDefaultCPUGenerator();
  const at::Tensor rng = cpu.get_state();
  SessionDiagnosticHost host(session_, *slot.samples);
  std::string png;
  try {
    png = run_and_draw(slot, epoch, host);
  } catch (...) {
    restore_gradients(params, grads);
    cpu.set_state(rng);
    throw;
  }
  restore_gradients(params, grads);
  cpu.set_state(rng);
  for (const auto& [name, value] : host.scalars)
    tensorboard_.scalar("diagnostics/" + slot.options.name + "." + name, value, epoch);
  for (const auto& [name, values] : host.histograms)
    tensorboard_.histogram(slot.options.name + "/" + name, values, epoch);
  append_diagnostic_scalars(diagnostic_scalars_file(run_.path()), slot.options.name, epoch, host.scalars);
  for (const auto& [name, npy] : host.tensors) {
    const fs::path file = diagnostic_tensor_file(run_.path(), slot.options.name, epoch, name);
    fs::create_directories(file.parent_path());
    write_file_atomically(file, npy, "diagnostic tensor");
  }
  save_picture(slot, epoch, png);
}

std::string DiagnosticsObserver::run_and_draw(Slot& slot, int64_t epoch, DiagnosticHost& host) {
  const int w = static_cast<int>(slot.options.width), h = static_cast<int>(slot.options.height);
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  std::string png;
  try {
    if (slot.module->run(epoch, *slot.samples, host, cr, w, h)) {
      cairo_surface_flush(surface);
      cairo_surface_write_to_png_stream(surface, &append_png, &png);
    }
  } catch (...) {
    cairo_destroy(cr);
    cairo_surface_destroy(surface);
    throw;
  }
  cairo_destroy(cr);
  cairo_surface_destroy(surface);
  return png;
}

void DiagnosticsObserver::save_picture(Slot& slot, int64_t epoch, const std::string& png) {
  if (png.empty()) return;
  const fs::path file = diagnostic_picture_file(run_.path(), slot.options.name, epoch);
  fs::create_directories(file.parent_path());
  write_file_atomically(file, png, "diagnostic picture");
  tensorboard_.image("diagnostics/" + slot.options.name, png, static_cast<int>(slot.options.width),
                     static_cast<int>(slot.options.height), epoch);
}

}  // namespace hearth
