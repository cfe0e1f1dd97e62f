/* A Hearth plugin written in plain C against abi.h alone: one metric module. Compile-time
 * switches turn it into each of the broken libraries the tests need (and the benchmark's many):
 *   PACK_NAME, MODULE_NAME      strings; defaults "c_pack", "c_metric"
 *   ABI_MAJOR_OVERRIDE          claim another plugin ABI major
 *   LIBRARY_STRUCT_SIZE         claim a smaller library descriptor
 *   CRASH_AT_LOAD, HANG_AT_LOAD misbehave in a static constructor, before any Hearth code runs
 *   PRINT_AT_LOAD               write to stdout while loading (must not disturb the scanner)
 *   BAD_UTF8_SUMMARY            a summary that is not UTF-8 (Latin-1 bytes) */
#include <signal.h>
#include <stdio.h>
#include <stddef.h>
#include <unistd.h>

#include <torch/version.h>

#include "hearth/abi.h"

#ifndef PACK_NAME
#define PACK_NAME "c_pack"
#endif
#ifndef MODULE_NAME
#define MODULE_NAME "c_metric"
#endif
#ifdef BAD_UTF8_SUMMARY
#define SUMMARY "Counts the tensors it is given, caf\xe9 style"
#else
#define SUMMARY "Counts the tensors it is given (written in C)"
#endif
#ifndef ABI_MAJOR_OVERRIDE
#define ABI_MAJOR_OVERRIDE HEARTH_ABI_MAJOR
#endif
#ifndef LIBRARY_STRUCT_SIZE
#define LIBRARY_STRUCT_SIZE sizeof(hearth_library_descriptor)
#endif

#if defined(CRASH_AT_LOAD)
__attribute__((constructor)) static void crash_now(void) { raise(SIGSEGV); }
#elif defined(PRINT_AT_LOAD)
__attribute__((constructor)) static void chatter(void) {
  printf("{\"status\": \"ok\", \"this\": \"is not the scanner speaking\"}\n");
  fflush(stdout);
}
#elif defined(HANG_AT_LOAD)
__attribute__((constructor)) static void hang_now(void) {
  for (;;) pause();
}
#endif

typedef struct counter {
  double value;
} counter;
static counter the_counter;

static hearth_status create(const hearth_params* params, hearth_object** out) {
  (void)params;
  the_counter.value = 0;
  *out = (hearth_object*)&the_counter;
  return HEARTH_OK;
}
static void destroy(hearth_object* self) { (void)self; }
static hearth_status update(hearth_object* self, const hearth_tensor* const* o, size_t no, const hearth_tensor* const* t,
                            size_t nt) {
  (void)o;
  (void)t;
  ((counter*)self)->value += (double)(no + nt);
  return HEARTH_OK;
}
static hearth_status compute(hearth_object* self, double* out) {
  *out = ((counter*)self)->value;
  return HEARTH_OK;
}
static hearth_status reset(hearth_object* self) {
  ((counter*)self)->value = 0;
  return HEARTH_OK;
}
static int higher_is_better(hearth_object* self) {
  (void)self;
  return 1;
}

static const hearth_metric_functions functions = {sizeof(hearth_metric_functions), update, compute, reset,
                                                  higher_is_better};
static const char* const choices[] = {"sum", "none"};
static const hearth_param_spec params[] = {
    {sizeof(hearth_param_spec), "mode", HEARTH_PARAM_STRING, "\"sum\"", 0, 0, 0, 0, choices, 2, "How to count"},
};
static const hearth_module_descriptor module = {sizeof(hearth_module_descriptor),
                                                HEARTH_CATEGORY_METRIC,
                                                MODULE_NAME,
                                                SUMMARY,
                                                "A metric written against the C ABI alone.",
                                                params,
                                                1,
                                                create,
                                                destroy,
                                                &functions};
static const hearth_module_descriptor* const modules[] = {&module};
static const hearth_library_descriptor library = {LIBRARY_STRUCT_SIZE,
                                                  ABI_MAJOR_OVERRIDE,
                                                  HEARTH_ABI_MINOR,
                                                  TORCH_VERSION_MAJOR,
                                                  TORCH_VERSION_MINOR,
                                                  1,
                                                  "C",
                                                  PACK_NAME,
                                                  "1.0.0",
                                                  modules,
                                                  1};

static const hearth_library_descriptor* entry(const hearth_host_api* host) {
  (void)host;
  return &library;
}
HEARTH_EXPORT_ENTRY_C(entry);
