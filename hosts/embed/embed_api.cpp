// The C API of sdk/include/hearth/embed.h: every call is guarded (nothing throws across it),
// every handle checked against the open sessions (a closed or made-up one is refused, not used),
// and every failure leaves its message for hearth_embed_last_error on the calling thread.
#include <c10/util/Exception.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <string>

#include "engine/core/error.hpp"
#include "hearth/embed.h"
#include "hosts/embed/array_tensor.hpp"
#include "hosts/embed/embedded_run.hpp"

struct hearth_embed_session {
  std::unique_ptr<hearth::embed::EmbeddedRun> run;
  std::string folder;
};

namespace {

using hearth::embed::EmbeddedRun;

thread_local std::string g_last_error;

std::mutex g_open_mutex;
std::set<const hearth_embed_session*> g_open;  // the handles open now

hearth_embed_status fail(hearth_embed_status status, const std::string& message) {
  g_last_error = message;
  return status;
}

/// Runs `body`, turning every exception into a status and a message.
template <typename Body>
hearth_embed_status guarded(Body body) {
  try {
    body();
    return HEARTH_EMBED_OK;
  } catch (const hearth::embed::ShapeMismatch& e) {
    return fail(HEARTH_EMBED_SHAPE_MISMATCH, e.what());
  } catch (const hearth::embed::BadArgument& e) {
    return fail(HEARTH_EMBED_INVALID_ARGUMENT, e.what());
  } catch (const hearth::PluginError& e) {
    return fail(HEARTH_EMBED_PLUGIN_FAILED, e.what());
  } catch (const hearth::UsageError& e) {
    return fail(HEARTH_EMBED_INVALID_JOB, e.what());
  } catch (const c10::Error& e) {
    return fail(HEARTH_EMBED_FAILED, e.what_without_backtrace());
  } catch (const std::filesystem::filesystem_error& e) {
    return fail(HEARTH_EMBED_IO_FAILED, e.what());
  } catch (const std::bad_alloc&) {
    return fail(HEARTH_EMBED_FAILED, "out of memory");
  } catch (const std::exception& e) {
    return fail(HEARTH_EMBED_FAILED, e.what());
  } catch (...) {
    return fail(HEARTH_EMBED_FAILED, "an unknown exception");
  }
}

bool is_open(const hearth_embed_session* s) {
  std::lock_guard<std::mutex> lock(g_open_mutex);
  return s != nullptr && g_open.count(s) > 0;
}

/// `body(run)` on an open session; a null, closed or made-up handle is refused.
template <typename Body>
hearth_embed_status with_run(hearth_embed_session* s, const char* call, Body body) {
  if (!is_open(s))
    return fail(HEARTH_EMBED_INVALID_ARGUMENT, std::string(call) + ": " + (s == nullptr ? "the session is NULL" :
                                                                           "not an open session (closed already, or never opened)"));
  const hearth_embed_status status = guarded([&] { body(*s->run); });
  if (status != HEARTH_EMBED_OK) s->run->record_error(std::string(call) + ": " + g_last_error);
  return status;
}

std::string text_or_empty(const char* s) { return s == nullptr ? std::string() : std::string(s); }

std::vector<std::string> split_paths(const char* paths) {
  std::vector<std::string> out;
  std::string all = text_or_empty(paths), part;
  for (size_t start = 0; start <= all.size();) {
    const size_t end = all.find(':', start);
    part = all.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!part.empty()) out.push_back(part);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

/// A train or eval step (`step`, a member of EmbeddedRun) on the caller's arrays.
template <typename Step>
hearth_embed_status batch_call(hearth_embed_session* s, const char* call, Step step, const hearth_embed_array* inputs,
                               size_t input_count, const hearth_embed_array* targets, size_t target_count, double* loss) {
  return with_run(s, call, [&](EmbeddedRun& run) {
    const double value = (run.*step)(hearth::embed::tensors_of(inputs, input_count, "input"),
                                     hearth::embed::tensors_of(targets, target_count, "target"));
    if (loss) *loss = value;
  });
}

/// Where version 1's fields of hearth_embed_params end: every program's struct holds them, and a
/// later library reads a later field only when the program's struct_size covers it.
constexpr size_t kParamsVersion1 = offsetof(hearth_embed_params, plugin_path) + sizeof(const char*);

/// Whether `end` (the end of a struct's last field as of version 1) rounded up to the struct's
/// alignment is its size: false once a field follows it.
template <typename T>
constexpr bool ends_at(size_t end) {
  return sizeof(T) == (end + alignof(T) - 1) / alignof(T) * alignof(T);
}

// hearth_embed_default_params and hearth_embed_array_init write the whole struct as this library
// knows it, into memory the program sized by the header it was built with; and arrays of
// hearth_embed_array are indexed by this library's size. So neither struct may grow as it is: a
// new field needs an initializer that writes no more than the program's struct_size, and a new
// array layout a new call. These asserts stop a change that would overrun older programs.
static_assert(ends_at<hearth_embed_params>(kParamsVersion1),
              "hearth_embed_params grew: see the comment above");
static_assert(ends_at<hearth_embed_array>(offsetof(hearth_embed_array, device) + sizeof(int32_t)),
              "hearth_embed_array grew: see the comment above");

}  // namespace

extern "C" {

void hearth_embed_array_init(hearth_embed_array* array, void* data, hearth_embed_dtype dtype, int32_t rank, const int64_t* shape) {
  if (array == nullptr) return;
  std::memset(array, 0, sizeof *array);
  array->struct_size = sizeof *array;
  array->data = data;
  array->dtype = dtype;
  array->rank = rank;
  array->shape = shape;
  array->strides = nullptr;
  array->device = -1;
}

void hearth_embed_default_params(hearth_embed_params* params) {
  if (params == nullptr) return;
  std::memset(params, 0, sizeof *params);
  params->struct_size = sizeof *params;
}

hearth_embed_status hearth_embed_open(const hearth_embed_params* params, hearth_embed_session** out) {
  if (out == nullptr) return fail(HEARTH_EMBED_INVALID_ARGUMENT, "hearth_embed_open: `out` is NULL");
  *out = nullptr;
  if (params == nullptr || params->struct_size < kParamsVersion1)
    return fail(HEARTH_EMBED_INVALID_ARGUMENT, "hearth_embed_open: params is NULL or smaller than hearth_embed_params "
                                               "(fill it with hearth_embed_default_params)");
  hearth::embed::EmbedRequest r;
  r.job_file = text_or_empty(params->job_file);
  r.job_toml = text_or_empty(params->job_toml);
  r.runs_dir = text_or_empty(params->runs_dir);
  r.resume = text_or_empty(params->resume);
  r.plugin_paths = split_paths(params->plugin_path);
  if (r.resume.empty() && r.job_file.empty() == r.job_toml.empty())
    return fail(HEARTH_EMBED_INVALID_ARGUMENT, "hearth_embed_open: give exactly one of job_file and job_toml (or resume)");
  auto session = std::make_unique<hearth_embed_session>();
  const hearth_embed_status status = guarded([&] {
    session->run = std::make_unique<EmbeddedRun>(r);
    session->folder = session->run->run().path().string();
  });
  if (status != HEARTH_EMBED_OK) return status;
  std::lock_guard<std::mutex> lock(g_open_mutex);
  g_open.insert(session.get());
  *out = session.release();
  return HEARTH_EMBED_OK;
}

hearth_embed_status hearth_embed_train_step(hearth_embed_session* s, const hearth_embed_array* inputs, size_t input_count,
                                            const hearth_embed_array* targets, size_t target_count, double* loss) {
  return batch_call(s, "hearth_embed_train_step", &EmbeddedRun::train_step, inputs, input_count, targets, target_count, loss);
}

hearth_embed_status hearth_embed_eval_step(hearth_embed_session* s, const hearth_embed_array* inputs, size_t input_count,
                                           const hearth_embed_array* targets, size_t target_count, double* loss) {
  return batch_call(s, "hearth_embed_eval_step", &EmbeddedRun::eval_step, inputs, input_count, targets, target_count, loss);
}

hearth_embed_status hearth_embed_predict(hearth_embed_session* s, const hearth_embed_array* inputs, size_t input_count,
                                         hearth_embed_array* outputs, size_t output_count) {
  return with_run(s, "hearth_embed_predict", [&](EmbeddedRun& run) {
    hearth::embed::copy_into(run.predict(hearth::embed::tensors_of(inputs, input_count, "input")), outputs, output_count);
  });
}

hearth_embed_status hearth_embed_log_scalar(hearth_embed_session* s, const char* name, double value) {
  return with_run(s, "hearth_embed_log_scalar", [&](EmbeddedRun& run) {
    if (name == nullptr) throw hearth::embed::BadArgument("hearth_embed_log_scalar: the name is NULL");
    run.log_scalar(name, value);
  });
}

hearth_embed_status hearth_embed_end_epoch(hearth_embed_session* s, int* stop) {
  return with_run(s, "hearth_embed_end_epoch", [&](EmbeddedRun& run) {
    const bool end = run.end_epoch();
    if (stop) *stop = end ? 1 : 0;
  });
}

hearth_embed_status hearth_embed_save(hearth_embed_session* s) {
  return with_run(s, "hearth_embed_save", [&](EmbeddedRun& run) { run.save(); });
}

const char* hearth_embed_run_folder(const hearth_embed_session* s) {
  return is_open(s) ? s->folder.c_str() : "";
}

int64_t hearth_embed_step_count(const hearth_embed_session* s) {
  return is_open(s) ? s->run->steps() : -1;
}

hearth_embed_status hearth_embed_world(const hearth_embed_session* s, int32_t* rank, int32_t* size) {
  if (!is_open(s)) return fail(HEARTH_EMBED_INVALID_ARGUMENT, "hearth_embed_world: not an open session");
  if (rank) *rank = s->run->world().rank;
  if (size) *size = s->run->world().size;
  return HEARTH_EMBED_OK;
}

hearth_embed_status hearth_embed_close(hearth_embed_session* s) {
  if (s == nullptr) return HEARTH_EMBED_OK;
  if (!is_open(s)) return fail(HEARTH_EMBED_INVALID_ARGUMENT, "hearth_embed_close: not an open session (closed already?)");
  {
    std::lock_guard<std::mutex> lock(g_open_mutex);
    g_open.erase(s);
  }
  std::unique_ptr<hearth_embed_session> owned(s);
  return guarded([&] {
    owned->run->finish();
    owned->run.reset();
  });
}

const char* hearth_embed_last_error(void) { return g_last_error.c_str(); }

}  // extern "C"
