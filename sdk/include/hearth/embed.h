/*
 * Hearth inside a running program: train and use a job's model on the program's own arrays.
 *
 * A simulation, a controller or a game engine produces its data while it runs; this C API lets
 * it train a model in place and use it in the same loop, with everything a job has (plugins of
 * every category, validation of the job with file:line:col, accumulation, clipping, the NaN
 * policy, bf16, schedulers, best and last checkpoints, early stopping, exact resume, metrics.csv,
 * TensorBoard and the studio): a session writes an ordinary run folder.
 *
 * Conventions, as abi.h's:
 *  - Plain C; opaque handles; every struct starts with `struct_size` and only grows at its end:
 *    fill one with its `*_default_params()` function, then set what you need.
 *  - Every function returns a hearth_embed_status; nothing throws or aborts across this API. The
 *    message of the last failure on this thread is hearth_embed_last_error().
 *  - Arrays stay the caller's: a contiguous float32 array is used in place, without a copy; a
 *    strided one (a Fortran array is column-major) is described to LibTorch by its strides.
 *  - A session is used by one thread at a time.
 *
 * Several processes, one model: when the program was started by mpirun, srun or torchrun (or with
 * RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT set), hearth_embed_open joins the sessions of all
 * its processes into one data-parallel group over c10d (Gloo, or NCCL where every rank has a GPU),
 * as `hearth run`'s ranks join. Each rank trains on its own arrays; the gradients of every step are
 * averaged over the ranks, so all hold the same weights; rank 0 writes the run folder. Every rank
 * makes the same calls in the same order (open, each train_step, end_epoch, save, close): open,
 * train_step and end_epoch wait for the others. eval_step, predict and log_scalar are the rank's
 * own; an epoch's valid.* values pool every rank's eval steps; logged scalars are rank 0's.
 */
#ifndef HEARTH_EMBED_H
#define HEARTH_EMBED_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of this API: a program built against version N runs with a library of version N or
 *  later (structs are read up to the size the program gives). */
#define HEARTH_EMBED_VERSION 2

/* The API's functions are the library's only exported symbols. */
#if defined(__GNUC__)
#define HEARTH_EMBED_API __attribute__((visibility("default")))
#else
#define HEARTH_EMBED_API
#endif

/** What a call did. Anything but HEARTH_EMBED_OK leaves a message in hearth_embed_last_error(). */
typedef enum hearth_embed_status {
  HEARTH_EMBED_OK = 0,
  HEARTH_EMBED_INVALID_ARGUMENT = 1, /**< a null or closed handle, a null pointer, a struct too small */
  HEARTH_EMBED_INVALID_JOB = 2,      /**< the job does not validate (the message has file:line:col) */
  HEARTH_EMBED_SHAPE_MISMATCH = 3,   /**< an array's dtype, rank or shape does not fit the model */
  HEARTH_EMBED_PLUGIN_FAILED = 4,    /**< a plugin threw or returned an error (the message names it) */
  HEARTH_EMBED_IO_FAILED = 5,        /**< a file of the run could not be read or written */
  HEARTH_EMBED_FAILED = 6            /**< anything else; the message says what */
} hearth_embed_status;

/** Element types of arrays. */
typedef enum hearth_embed_dtype {
  HEARTH_EMBED_FLOAT32 = 0,
  HEARTH_EMBED_FLOAT64 = 1,
  HEARTH_EMBED_INT32 = 2,
  HEARTH_EMBED_INT64 = 3
} hearth_embed_dtype;

/** An array the caller owns. */
typedef struct hearth_embed_array {
  uint32_t struct_size;
  void* data;
  hearth_embed_dtype dtype;
  int32_t rank;
  const int64_t* shape;   /**< `rank` sizes; the first is the batch */
  const int64_t* strides; /**< `rank` strides in elements; NULL: C order (row-major, contiguous) */
  int32_t device;         /**< -1: host memory; k >= 0: CUDA device k */
} hearth_embed_array;

/** Fills `array` for `rank` sizes of C-ordered host memory at `data`. */
HEARTH_EMBED_API void hearth_embed_array_init(hearth_embed_array* array, void* data, hearth_embed_dtype dtype, int32_t rank,
                                              const int64_t* shape);

/** Where a session's job comes from and where its run goes. */
typedef struct hearth_embed_params {
  uint32_t struct_size;
  const char* job_file;    /**< a job file (paths in it are relative to it), or NULL with job_toml */
  const char* job_toml;    /**< the job's TOML text (paths relative to the current folder), or NULL */
  const char* runs_dir;    /**< where the run folder is made; NULL: the job's [job] runs */
  const char* resume;      /**< a run folder to continue from its `last` checkpoint; NULL: a new run */
  const char* plugin_path; /**< more plugin folders, ':'-separated; NULL: none (built-ins and
                                $HEARTH_PLUGIN_PATH are searched as by `hearth run`) */
} hearth_embed_params;

/** Defaults: every pointer NULL. */
HEARTH_EMBED_API void hearth_embed_default_params(hearth_embed_params* params);

/** A session: the job's modules on its device, its optimizer, and its run folder. */
typedef struct hearth_embed_session hearth_embed_session;

/** Opens a session. The job's [dataset] table is optional: the program supplies the data. */
HEARTH_EMBED_API hearth_embed_status hearth_embed_open(const hearth_embed_params* params, hearth_embed_session** out);

/** One optimizer step (or one micro-batch of [train] accumulate) on `inputs` and `targets`,
 *  the model's inputs and the losses' targets in the job's order; `loss` (may be NULL) gets the
 *  batch's loss (with several ranks: the mean over the samples of all ranks' batches). */
HEARTH_EMBED_API hearth_embed_status hearth_embed_train_step(hearth_embed_session* session, const hearth_embed_array* inputs,
                                                             size_t input_count, const hearth_embed_array* targets, size_t target_count,
                                                             double* loss);

/** Scores a batch in evaluation mode without training on it; its losses and metrics make the
 *  epoch's valid.* values. `loss` (may be NULL) gets the batch's loss (this rank's own). */
HEARTH_EMBED_API hearth_embed_status hearth_embed_eval_step(hearth_embed_session* session, const hearth_embed_array* inputs,
                                                            size_t input_count, const hearth_embed_array* targets, size_t target_count,
                                                            double* loss);

/** The model's outputs on `inputs`, in evaluation mode, written into the caller's `outputs`
 *  (their dtypes, ranks and shapes must be the model's outputs'). */
HEARTH_EMBED_API hearth_embed_status hearth_embed_predict(hearth_embed_session* session, const hearth_embed_array* inputs,
                                                          size_t input_count, hearth_embed_array* outputs, size_t output_count);

/** A number of the program's own for this epoch's row of metrics.csv ("sim.residual"); the
 *  name must be new to the run or logged every epoch. */
HEARTH_EMBED_API hearth_embed_status hearth_embed_log_scalar(hearth_embed_session* session, const char* name, double value);

/** Ends an epoch as `hearth run` ends one: its row (train.*, valid.* of the eval steps since the
 *  last epoch, logged scalars), schedulers, the best and last checkpoints, run.json, TensorBoard,
 *  early stopping. `stop` (may be NULL) gets 1 when training should end here (early stopping, or
 *  [train] epochs or max_steps reached), else 0. */
HEARTH_EMBED_API hearth_embed_status hearth_embed_end_epoch(hearth_embed_session* session, int* stop);

/** Writes the `last` checkpoint now (as a validation inside an epoch does), so that a kill loses
 *  nothing before it; hearth_embed_params.resume continues from there. */
HEARTH_EMBED_API hearth_embed_status hearth_embed_save(hearth_embed_session* session);

/** The run folder's path (valid until the session is closed). */
HEARTH_EMBED_API const char* hearth_embed_run_folder(const hearth_embed_session* session);

/** Optimizer steps taken so far (resumed ones included). */
HEARTH_EMBED_API int64_t hearth_embed_step_count(const hearth_embed_session* session);

/** This process's place among the program's ranks: `rank` and `size` (either may be NULL) get 0
 *  and 1 when it runs alone. (Version 2.) */
HEARTH_EMBED_API hearth_embed_status hearth_embed_world(const hearth_embed_session* session, int32_t* rank, int32_t* size);

/** Ends the session: run.json says `completed` (or `stopped_early`) when an epoch ended since it
 *  opened, `interrupted` otherwise; the handle is freed. NULL is ignored. */
HEARTH_EMBED_API hearth_embed_status hearth_embed_close(hearth_embed_session* session);

/** The message of the last failure of a call on this thread ("" when none failed yet). */
HEARTH_EMBED_API const char* hearth_embed_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* HEARTH_EMBED_H */
