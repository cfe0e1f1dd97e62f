/*
 * Hearth plugin ABI: the only types that cross between the engine and a plugin library.
 *
 * Rules (see docs/architecture.md):
 *  - Plain C. Every struct starts with `struct_size` and only ever grows at its end. A reader copies
 *    min(its size, the writer's size) into a zeroed struct of its own, so older plugins keep loading.
 *  - One exported entry per library, `hearth_entry`, in the ELF section "hearth".
 *  - No exception crosses. Every function returns a hearth_status; on failure the plugin first
 *    calls host->set_error() with a message, and the host adds the plugin file and module name.
 *  - Tensors cross as opaque hearth_tensor handles made and released through the host table, so an
 *    autograd graph survives from a model plugin into a loss plugin.
 *  - Strings passed in are borrowed for the duration of the call. Strings returned by a plugin
 *    (names, class names) stay valid until the object that returned them is destroyed.
 *  - Libraries are never unloaded; the host destroys every object before the process ends.
 */
#ifndef HEARTH_ABI_H
#define HEARTH_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "hearth/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Cairo's own C API is a stable ABI: renderers and analyzer reports draw on the host's context. */
typedef struct _cairo cairo_t;

/* ------------------------------------------------------------------------------------------ */
/* Statuses, categories, small enums                                                          */
/* ------------------------------------------------------------------------------------------ */

/** Result of every plugin and host function. Anything but HEARTH_OK carries a message set via
 *  hearth_host_api.set_error (plugin side) or returned by the host. */
typedef enum hearth_status {
  HEARTH_OK = 0,
  HEARTH_ERROR = 1,            /**< the call failed; the message says why */
  HEARTH_INVALID_ARGUMENT = 2, /**< an argument was out of range or of the wrong shape */
  HEARTH_UNSUPPORTED = 3,      /**< an optional feature the module does not offer */
  HEARTH_NOT_FOUND = 4,        /**< a parameter key or index that does not exist */
  HEARTH_TYPE_MISMATCH = 5     /**< a parameter asked for with the wrong type */
} hearth_status;

/** The module categories. Values are stable; new ones are only appended (diagnostics: ABI 1.5). */
typedef enum hearth_category {
  HEARTH_CATEGORY_DATASET = 0,
  HEARTH_CATEGORY_ANALYZER = 1,
  HEARTH_CATEGORY_LOSS = 2,
  HEARTH_CATEGORY_METRIC = 3,
  HEARTH_CATEGORY_MODEL = 4,
  HEARTH_CATEGORY_OPTIMIZER = 5,
  HEARTH_CATEGORY_RENDERER = 6,
  HEARTH_CATEGORY_SCHEDULER = 7,
  HEARTH_CATEGORY_DIAGNOSTIC = 8,
  HEARTH_CATEGORY_COUNT = 9
} hearth_category;

/** Dataset splits. A dataset that has no own split returns size 0 for it. */
typedef enum hearth_split { HEARTH_SPLIT_TRAIN = 0, HEARTH_SPLIT_VALID = 1, HEARTH_SPLIT_TEST = 2 } hearth_split;

/** What a sample tensor is for. */
typedef enum hearth_role { HEARTH_ROLE_INPUT = 0, HEARTH_ROLE_TARGET = 1, HEARTH_ROLE_OTHER = 2 } hearth_role;

/** Log levels, as spdlog's. */
typedef enum hearth_log_level {
  HEARTH_LOG_TRACE = 0,
  HEARTH_LOG_DEBUG = 1,
  HEARTH_LOG_INFO = 2,
  HEARTH_LOG_WARN = 3,
  HEARTH_LOG_ERROR = 4
} hearth_log_level;

/** Parameter value types of a module schema (TOML types). */
typedef enum hearth_param_type {
  HEARTH_PARAM_BOOL = 0,
  HEARTH_PARAM_INT = 1,
  HEARTH_PARAM_FLOAT = 2,
  HEARTH_PARAM_STRING = 3,
  HEARTH_PARAM_INT_LIST = 4,
  HEARTH_PARAM_FLOAT_LIST = 5,
  HEARTH_PARAM_STRING_LIST = 6
} hearth_param_type;

/** What a string parameter names (ABI 1.3). The host checks it when a job is checked: a file
 *  must exist and be a regular file (not a FIFO, a device or a folder), a folder a folder. A
 *  relative path is relative to the job file's folder, which is the current folder at run time. */
typedef enum hearth_param_kind {
  HEARTH_PARAM_PLAIN = 0,
  HEARTH_PARAM_FILE = 1,
  HEARTH_PARAM_FOLDER = 2
} hearth_param_kind;

/** When a scheduler is stepped. */
typedef enum hearth_step_interval { HEARTH_STEP_EPOCH = 0, HEARTH_STEP_BATCH = 1 } hearth_step_interval;

/* ------------------------------------------------------------------------------------------ */
/* Opaque host-owned objects                                                                  */
/* ------------------------------------------------------------------------------------------ */

/** A tensor handle: wraps one at::Tensor (shared storage, autograd intact). Released with
 *  host->tensor_release; every handle a plugin creates is owned by whoever it is handed to. */
typedef struct hearth_tensor hearth_tensor;
/** A growable list of (optional name, tensor) pairs owned by the host; plugins push into it. */
typedef struct hearth_tensor_list hearth_tensor_list;
/** A byte buffer owned by the host; plugins append serialized state into it. */
typedef struct hearth_bytes hearth_bytes;
/** Validated parameter values of one module instance, read through host accessors. */
typedef struct hearth_params hearth_params;
/** A key/value sink owned by the host (analyzer summaries). */
typedef struct hearth_kv_sink hearth_kv_sink;
/** One module instance made by a plugin's create(); opaque to the host. */
typedef struct hearth_object hearth_object;

/* ------------------------------------------------------------------------------------------ */
/* Host API: handed to the library entry, valid for the life of the process                   */
/* ------------------------------------------------------------------------------------------ */

/** Memory for a tensor that make() of hearth_host_api.shared_tensor fills: a new writable handle of
 *  `shape` (`rank` sizes) with the dtype of `like`, or NULL (the host has set the error). */
typedef hearth_tensor* (*hearth_shared_alloc)(void* alloc_context, const int64_t* shape, size_t rank,
                                              const hearth_tensor* like);

/** Builds the tensor of hearth_host_api.shared_tensor: returns a new handle (best one from `alloc`,
 *  filled), or NULL after set_error. */
typedef hearth_tensor* (*hearth_shared_make)(void* arg, hearth_shared_alloc alloc, void* alloc_context);

/** Functions the host offers to plugins. `context` identifies the library to the host and is
 *  passed back as the first argument of log and set_error. */
typedef struct hearth_host_api {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  void* context;

  /** Log through the host's logger; the host prefixes the plugin's name. */
  void (*log)(void* context, hearth_log_level level, const char* message);
  /** Record the error message of the call that is about to return a non-OK status. */
  void (*set_error)(void* context, const char* message);

  /** New handle sharing the at::Tensor at `at_tensor` (a `const at::Tensor*`). */
  hearth_tensor* (*tensor_wrap)(const void* at_tensor);
  /** The `const at::Tensor*` inside a handle; valid while the handle lives. */
  const void* (*tensor_unwrap)(const hearth_tensor* tensor);
  /** Release a handle (not the storage other handles share). NULL is ignored. */
  void (*tensor_release)(hearth_tensor* tensor);
  /** Shape of a tensor for C authors: writes up to `capacity` sizes, returns the rank. */
  int64_t (*tensor_shape)(const hearth_tensor* tensor, int64_t* sizes, int64_t capacity);

  /** Append a tensor to a list, taking ownership of the handle. `name` may be NULL. */
  hearth_status (*list_push)(hearth_tensor_list* list, const char* name, hearth_tensor* tensor);
  /** Number of entries in a list. */
  size_t (*list_size)(const hearth_tensor_list* list);
  /** Borrowed handle at `index` (NULL when out of range); the list keeps ownership. */
  const hearth_tensor* (*list_get)(const hearth_tensor_list* list, size_t index);
  /** Name at `index`, or "" when unnamed or out of range. */
  const char* (*list_name)(const hearth_tensor_list* list, size_t index);

  /** Append `size` bytes to a buffer. */
  hearth_status (*bytes_append)(hearth_bytes* bytes, const void* data, size_t size);

  /** Typed parameter accessors. Return HEARTH_NOT_FOUND for an unknown key and
   *  HEARTH_TYPE_MISMATCH when the value is of another type. Strings are borrowed from `params`. */
  hearth_status (*param_bool)(const hearth_params* params, const char* key, int* out);
  hearth_status (*param_int)(const hearth_params* params, const char* key, int64_t* out);
  hearth_status (*param_float)(const hearth_params* params, const char* key, double* out);
  hearth_status (*param_string)(const hearth_params* params, const char* key, const char** out);
  hearth_status (*param_list_size)(const hearth_params* params, const char* key, size_t* out);
  hearth_status (*param_int_at)(const hearth_params* params, const char* key, size_t index, int64_t* out);
  hearth_status (*param_float_at)(const hearth_params* params, const char* key, size_t index, double* out);
  hearth_status (*param_string_at)(const hearth_params* params, const char* key, size_t index,
                                   const char** out);

  /** Add one key/value line to a summary. */
  hearth_status (*kv_put)(hearth_kv_sink* sink, const char* key, const char* value);

  /** (ABI 1.2) One copy of a large read-only tensor for all ranks of a job on this machine (a
   *  dataset held in memory). `key` names the content: the same key must always make the same
   *  tensor. One local rank calls `make` and fills memory from `alloc` (shared memory); the others
   *  wait and map that copy. In one process, `make` runs with ordinary memory. `*out` receives a
   *  handle the caller owns; writes to it stay private to the process. */
  hearth_status (*shared_tensor)(void* context, const char* key, hearth_shared_make make, void* arg,
                                 hearth_tensor** out);
  /** (ABI 1.5) A new empty list the caller owns, for what a host function hands back (a
   *  diagnostic's forward); NULL when out of memory. */
  hearth_tensor_list* (*list_create)(void);
  /** (ABI 1.5) Release a list from list_create and every handle in it. NULL is ignored. */
  void (*list_release)(hearth_tensor_list* list);
} hearth_host_api;

/* ------------------------------------------------------------------------------------------ */
/* Schemas                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/** One parameter of a module: data only, so the scanner can report it without running code. */
typedef struct hearth_param_spec {
  uint32_t struct_size;
  const char* key;          /**< TOML key, [a-z0-9_]+ */
  hearth_param_type type;
  const char* default_toml; /**< default as TOML value text ("0.1", "\"relu\"", "[64, 32]"); NULL = required */
  int has_min;              /**< when non-zero, numbers (and list items) must be >= min */
  double min;
  int has_max;              /**< when non-zero, numbers (and list items) must be <= max */
  double max;
  const char* const* choices; /**< allowed string values, or NULL */
  size_t choice_count;
  const char* doc; /**< one or two sentences for `hearth plugins describe` and docs/jobs.md */
  uint32_t kind;   /**< hearth_param_kind, for strings and lists of strings (ABI 1.3; before: plain) */
} hearth_param_spec;

/* ------------------------------------------------------------------------------------------ */
/* Per-category function tables. Entries marked optional may be NULL.                         */
/* ------------------------------------------------------------------------------------------ */

/** Datasets: samples are lists of tensors, described by tensor_name/tensor_role. */
typedef struct hearth_dataset_functions {
  uint32_t struct_size;
  /** Number of samples in `split` (0 when the dataset has none there). */
  hearth_status (*size)(hearth_object* self, hearth_split split, int64_t* out);
  /** Push the tensors of sample `index` into `out`, in the order of tensor_name(). */
  hearth_status (*get)(hearth_object* self, hearth_split split, int64_t index, hearth_tensor_list* out);
  /** Optional: push whole batch tensors (first dimension = count) for the given indices.
   *  May return HEARTH_UNSUPPORTED; the host then fetches sample by sample. */
  hearth_status (*get_batch)(hearth_object* self, hearth_split split, const int64_t* indices, size_t count,
                             hearth_tensor_list* out);
  /** Number of tensors in a sample. */
  size_t (*tensor_count)(hearth_object* self);
  /** Name of tensor `index` ("image", "label"). */
  const char* (*tensor_name)(hearth_object* self, size_t index);
  /** Role of tensor `index`. */
  hearth_role (*tensor_role)(hearth_object* self, size_t index);
  /** Number of classes (0 when not a classification dataset). */
  size_t (*class_count)(hearth_object* self);
  /** Name of class `index`. */
  const char* (*class_name)(hearth_object* self, size_t index);
} hearth_dataset_functions;

/** Analyzers: see every sample once, then report. */
typedef struct hearth_analyzer_functions {
  uint32_t struct_size;
  /** Begin a pass; `tensor_names`/`roles` describe the samples, `class_names` may be empty. */
  hearth_status (*start)(hearth_object* self, const char* const* tensor_names, const hearth_role* roles,
                         size_t tensor_count, const char* const* class_names, size_t class_count);
  /** Take one sample (tensors in the order given to start). */
  hearth_status (*take)(hearth_object* self, const hearth_tensor* const* sample, size_t count);
  /** End the pass. */
  hearth_status (*finish)(hearth_object* self);
  /** Optional: a 1-D float tensor of class weights into *out, or HEARTH_UNSUPPORTED. */
  hearth_status (*class_weights)(hearth_object* self, hearth_tensor** out);
  /** Draw the report on a host-owned context of width x height pixels. */
  hearth_status (*report)(hearth_object* self, cairo_t* cr, int width, int height);
  /** Emit key/value lines describing the data. */
  hearth_status (*summary)(hearth_object* self, hearth_kv_sink* sink);
} hearth_analyzer_functions;

/** Losses: one scalar from the model outputs and the targets. */
typedef struct hearth_loss_functions {
  uint32_t struct_size;
  /** *out receives a 0-dim tensor connected to the outputs' autograd graph. */
  hearth_status (*forward)(hearth_object* self, const hearth_tensor* const* outputs, size_t output_count,
                           const hearth_tensor* const* targets, size_t target_count, hearth_tensor** out);
} hearth_loss_functions;

/** Metrics: accumulate over batches, then compute one number. */
typedef struct hearth_metric_functions {
  uint32_t struct_size;
  hearth_status (*update)(hearth_object* self, const hearth_tensor* const* outputs, size_t output_count,
                          const hearth_tensor* const* targets, size_t target_count);
  hearth_status (*compute)(hearth_object* self, double* out);
  hearth_status (*reset)(hearth_object* self);
  /** 1 when larger values are better (accuracy), 0 otherwise (error). */
  int (*higher_is_better)(hearth_object* self);
} hearth_metric_functions;

/** Models: a torch::nn::Module behind a C table. */
typedef struct hearth_model_functions {
  uint32_t struct_size;
  /** Push the outputs of one forward pass into `out`. */
  hearth_status (*forward)(hearth_object* self, const hearth_tensor* const* inputs, size_t input_count,
                           hearth_tensor_list* out);
  /** Push every trainable parameter with its dotted name ("layers.0.weight"). */
  hearth_status (*parameters)(hearth_object* self, hearth_tensor_list* out);
  /** Switch training (1) or evaluation (0) mode. */
  hearth_status (*train)(hearth_object* self, int on);
  /** Move parameters and buffers to a device ("cpu", "cuda", "cuda:1"). */
  hearth_status (*to_device)(hearth_object* self, const char* device);
  /** Append the full state (parameters and buffers) to `out`. */
  hearth_status (*save_state)(hearth_object* self, hearth_bytes* out);
  /** Restore a state written by save_state. */
  hearth_status (*load_state)(hearth_object* self, const void* data, size_t size);
  /* ABI 1.4 */
  /** Push every parameter and buffer under the name a PyTorch state_dict gives it
   *  ("features.0.weight", "bn.running_mean"). The handles share storage with the model: the host
   *  reads them to export and copies into them to start a run from saved weights. */
  hearth_status (*state)(hearth_object* self, hearth_tensor_list* out);
  /** 1 when tracing forward records what it computes for any input of the traced shapes; 0 when
   *  forward branches or loops on tensor values, so a trace would freeze one path. */
  int (*traceable)(hearth_object* self);
  /** Optional: append the model as a TorchScript archive when it is TorchScript already (it is saved
   *  as it is instead of traced); HEARTH_UNSUPPORTED otherwise. */
  hearth_status (*save_script)(hearth_object* self, hearth_bytes* out);
  /* ABI 1.5 */
  /** Optional: the names of the model's tap points (intermediate tensors forward_tapped can hand
   *  out), one kv line each (key: the name, value: what it is). */
  hearth_status (*tap_names)(hearth_object* self, hearth_kv_sink* out);
  /** Optional: forward, also pushing the tensor of each tap point named in `taps` into `tapped`,
   *  in the order asked; an unknown name fails. */
  hearth_status (*forward_tapped)(hearth_object* self, const hearth_tensor* const* inputs, size_t input_count,
                                  const char* const* taps, size_t tap_count, hearth_tensor_list* out,
                                  hearth_tensor_list* tapped);
} hearth_model_functions;

/** Optimizers: built over parameter handles, learning rate per group. */
typedef struct hearth_optimizer_functions {
  uint32_t struct_size;
  /** Take the parameters to optimize (borrowed handles; the optimizer keeps its own copies). */
  hearth_status (*bind)(hearth_object* self, const hearth_tensor* const* parameters, size_t count);
  hearth_status (*step)(hearth_object* self);
  hearth_status (*zero_grad)(hearth_object* self);
  size_t (*group_count)(hearth_object* self);
  hearth_status (*get_lr)(hearth_object* self, size_t group, double* out);
  hearth_status (*set_lr)(hearth_object* self, size_t group, double lr);
  hearth_status (*save_state)(hearth_object* self, hearth_bytes* out);
  hearth_status (*load_state)(hearth_object* self, const void* data, size_t size);
  /* ABI 1.1 */
  /** Optional: the host switches between training (1) and evaluation (0), as it does the model.
   *  Optimizers whose parameters differ between the two (schedule-free) swap them here. */
  hearth_status (*train)(hearth_object* self, int on);
  /* ABI 1.6 */
  /** Optional: bind, with each parameter's name in the model's state ("transformer.wte.weight"),
   *  so that an optimizer can treat parameters by name (no weight decay on embeddings). A host
   *  calls it instead of bind when present; `names` are borrowed for the call. */
  hearth_status (*bind_named)(hearth_object* self, const hearth_tensor* const* parameters, const char* const* names,
                              size_t count);
} hearth_optimizer_functions;

/** Schedulers: compute learning rates; the host applies them to the optimizer. */
typedef struct hearth_scheduler_functions {
  uint32_t struct_size;
  /** Begin with the optimizer's initial rate per group. */
  hearth_status (*start)(hearth_object* self, const double* base_lrs, size_t group_count);
  /** Whether the host calls step after each epoch or each batch. */
  hearth_step_interval (*interval)(hearth_object* self);
  /** Advance one epoch or batch. `monitored` is the watched value, NaN when none; the new rate of
   *  each group is written to lrs[0..group_count). */
  hearth_status (*step)(hearth_object* self, double monitored, double* lrs, size_t group_count);
  /** Current rate of `group`. */
  hearth_status (*current_lr)(hearth_object* self, size_t group, double* out);
  hearth_status (*save_state)(hearth_object* self, hearth_bytes* out);
  hearth_status (*load_state)(hearth_object* self, const void* data, size_t size);
} hearth_scheduler_functions;

/** Everything a renderer may look at besides the tensor it draws. */
typedef struct hearth_render_context {
  uint32_t struct_size;
  const hearth_tensor* const* sample; /**< the sample's tensors (may be 0 entries) */
  const char* const* tensor_names;
  size_t tensor_count;
  size_t tensor_index; /**< which of `sample` is being drawn, or tensor_count when none */
  const char* const* class_names;
  size_t class_count;
} hearth_render_context;

/** Renderers: draw one tensor on a host-owned Cairo context. */
typedef struct hearth_renderer_functions {
  uint32_t struct_size;
  hearth_status (*render)(hearth_object* self, cairo_t* cr, int width, int height, const hearth_tensor* tensor,
                          const hearth_render_context* context);
} hearth_renderer_functions;

/** What a diagnostic sees at an epoch it runs (ABI 1.5): a fixed set of samples, the same at every
 *  epoch, and what it may ask the host to do with the model. Valid for the duration of run(). */
typedef struct hearth_diagnostic_input {
  uint32_t struct_size;
  int64_t epoch;                       /**< 1-based: the epoch just trained */
  const hearth_tensor* const* samples; /**< one tensor per sample tensor, first dimension the samples */
  const char* const* tensor_names;
  const hearth_role* roles;
  size_t tensor_count;
  const char* const* class_names;
  size_t class_count;
  void* host; /**< passed back to the functions below */
  /** The model, in evaluation mode, on `inputs` (batched like `samples`; its input tensors or
   *  tensors made from them). Autograd is on: a plugin may take gradients with respect to inputs
   *  that require them. Outputs go to `outputs`; the tensors at the model's tap points named in
   *  `taps` (hearth::Model::tap) to `tapped`, in the order asked. */
  hearth_status (*forward)(void* host, const hearth_tensor* const* inputs, size_t input_count, const char* const* taps,
                           size_t tap_count, hearth_tensor_list* outputs, hearth_tensor_list* tapped);
  /** Every trainable parameter of the model with its dotted name; a handle's grad() is the
   *  gradient of the job's loss on `samples` with the weights as they are (the optimizer has
   *  cleared the last step's). Handles share the model's storage: read them, never write them. */
  hearth_status (*parameters)(void* host, hearth_tensor_list* out);
  /** Draw `tensor` (one sample's, no batch dimension) with the renderer the job draws sample
   *  tensor `tensor_index` with; tensor_count + k: the model's output k. */
  hearth_status (*render)(void* host, cairo_t* cr, int width, int height, const hearth_tensor* tensor,
                          size_t tensor_index);
  /** A number of this epoch, recorded as "<diagnostic>.<name>" beside the epoch's metrics. */
  hearth_status (*scalar)(void* host, const char* name, double value);
  /** Values whose distribution this epoch TensorBoard shows as histogram "<diagnostic>/<name>". */
  hearth_status (*histogram)(void* host, const char* name, const hearth_tensor* values);
  /** Keeps `tensor` as diagnostics/<diagnostic>/epoch-NNN.<name>.npy beside the picture (the
   *  numbers behind it, for other tools). */
  hearth_status (*save_tensor)(void* host, const char* name, const hearth_tensor* tensor);
} hearth_diagnostic_input;

/** Diagnostics (ABI 1.5): run every few epochs after the checkpoint, on the model in evaluation
 *  mode; they draw pictures and record numbers, and never change the model or training. */
typedef struct hearth_diagnostic_functions {
  uint32_t struct_size;
  /** Optional: the model tap points run() will read, one kv line each (key: the point's name),
   *  so that `hearth check` finds a misspelt one before training. */
  hearth_status (*taps)(hearth_object* self, hearth_kv_sink* out);
  /** Compute what this epoch shows (through `input`'s functions). */
  hearth_status (*run)(hearth_object* self, const hearth_diagnostic_input* input);
  /** Draw what run() just computed on a host-owned context of width x height pixels; `input` is
   *  run()'s, still valid (its render function draws samples). HEARTH_UNSUPPORTED when this
   *  diagnostic draws nothing (numbers only). */
  hearth_status (*draw)(hearth_object* self, const hearth_diagnostic_input* input, cairo_t* cr, int width,
                        int height);
} hearth_diagnostic_functions;

/* ------------------------------------------------------------------------------------------ */
/* Descriptors                                                                                */
/* ------------------------------------------------------------------------------------------ */

/** One module offered by a library. */
typedef struct hearth_module_descriptor {
  uint32_t struct_size;
  hearth_category category;
  const char* name;    /**< unique within its category, [a-z0-9_]+ */
  const char* summary; /**< one line */
  const char* doc;     /**< longer documentation, plain text */
  const hearth_param_spec* params;
  size_t param_count;
  /** Make an instance from validated parameters. *out stays owned by the plugin until destroy. */
  hearth_status (*create)(const hearth_params* params, hearth_object** out);
  /** Destroy an instance. Never fails. */
  void (*destroy)(hearth_object* self);
  /** Pointer to the hearth_<category>_functions table matching `category`. */
  const void* functions;
} hearth_module_descriptor;

/** What a library is and what it was built with. Returned by the entry; static storage. */
typedef struct hearth_library_descriptor {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  uint32_t torch_major; /**< LibTorch the library was compiled against */
  uint32_t torch_minor;
  int32_t cxx11_abi;    /**< value of _GLIBCXX_USE_CXX11_ABI, or -1 when unknown */
  const char* compiler; /**< free text, e.g. "GCC 12.2.0" */
  const char* pack_name;
  const char* pack_version;
  const hearth_module_descriptor* const* modules;
  size_t module_count;
} hearth_library_descriptor;

/** The one exported entry. The host calls it once per process with its API table, which stays
 *  valid until the process ends. Must not throw; returns NULL on failure. */
typedef const hearth_library_descriptor* (*hearth_entry_fn)(const hearth_host_api* host);

/** Name of the exported entry and the ELF section that holds it. */
#define HEARTH_ENTRY_SYMBOL "hearth_entry"
#define HEARTH_ENTRY_SECTION "hearth"

/** Export `fn` (a hearth_entry_fn) as the library entry from plain C; the C++ layer's
 *  HEARTH_PACK does this through Boost.DLL. */
#define HEARTH_EXPORT_ENTRY_C(fn)                                                               \
  __attribute__((visibility("default"), section(HEARTH_ENTRY_SECTION), used)) const void*    \
      hearth_entry = (const void*)(fn)

#ifdef __cplusplus
}
#endif

#endif /* HEARTH_ABI_H */
