/* Misuse of Hearth's C API (hearth/embed.h), each case printed as "CASE STATUS MESSAGE" for the
 * embedding tests: every one must come back as a status and a message, never a crash.
 *
 * misuse_driver SINE_JOB RUNS_DIR THROWING_PLUGIN_DIR */
#include <hearth/embed.h>

#include <stdio.h>
#include <string.h>

/* One line per case: a message's own line breaks become spaces. */
static void report(const char* name, hearth_embed_status status) {
  printf("%s %d ", name, (int)status);
  for (const char* c = status == HEARTH_EMBED_OK ? "" : hearth_embed_last_error(); *c; ++c) putchar(*c == '\n' ? ' ' : *c);
  putchar('\n');
  fflush(stdout);
}

/* Opening: no params, no job, a job that does not validate; a step on no session. */
static void open_cases(const char* runs) {
  hearth_embed_params params;
  hearth_embed_session* session = NULL;
  report("open-null-params", hearth_embed_open(NULL, &session));
  hearth_embed_default_params(&params);
  report("open-no-job", hearth_embed_open(&params, &session));
  params.runs_dir = runs;
  params.job_toml = "[job]\nname = \"bad\"\n[model]\nplugin = \"mlp\"\nin_features = -1\n[[losses]]\nplugin = \"mse\"\n"
                    "[optimizer]\nplugin = \"adam\"\n";
  report("open-invalid-job", hearth_embed_open(&params, &session));
  float x[8] = {0}, y[8] = {0};
  int64_t shape[2] = {8, 1};
  hearth_embed_array input, target;
  hearth_embed_array_init(&input, x, HEARTH_EMBED_FLOAT32, 2, shape);
  hearth_embed_array_init(&target, y, HEARTH_EMBED_FLOAT32, 2, shape);
  report("step-null-session", hearth_embed_train_step(NULL, &input, 1, &target, 1, NULL));
}

/* Arrays that do not fit the sine job's model, and a session used after it was closed. */
static void array_cases(const char* job, const char* runs) {
  hearth_embed_params params;
  hearth_embed_session* session = NULL;
  hearth_embed_default_params(&params);
  params.job_file = job;
  params.runs_dir = runs;
  report("open-sine", hearth_embed_open(&params, &session));
  float x[8] = {0}, y[8] = {0}, wide[16] = {0}, out[16];
  double doubles[8] = {0};
  int64_t shape[2] = {8, 1}, wide_shape[2] = {8, 2};
  hearth_embed_array input, target, wide_input, double_input, output;
  hearth_embed_array_init(&input, x, HEARTH_EMBED_FLOAT32, 2, shape);
  hearth_embed_array_init(&target, y, HEARTH_EMBED_FLOAT32, 2, shape);
  hearth_embed_array_init(&wide_input, wide, HEARTH_EMBED_FLOAT32, 2, wide_shape);
  hearth_embed_array_init(&double_input, doubles, HEARTH_EMBED_FLOAT64, 2, shape);
  hearth_embed_array_init(&output, out, HEARTH_EMBED_FLOAT32, 2, wide_shape);
  report("step-wide-first", hearth_embed_train_step(session, &wide_input, 1, &target, 1, NULL));
  report("step", hearth_embed_train_step(session, &input, 1, &target, 1, NULL));
  report("step-wide-later", hearth_embed_train_step(session, &wide_input, 1, &target, 1, NULL));
  report("step-float64", hearth_embed_train_step(session, &double_input, 1, &target, 1, NULL));
  report("step-no-inputs", hearth_embed_train_step(session, NULL, 1, &target, 1, NULL));
  hearth_embed_array no_data = input;
  no_data.data = NULL;
  report("step-null-data", hearth_embed_train_step(session, &no_data, 1, &target, 1, NULL));
  report("predict-wrong-output", hearth_embed_predict(session, &input, 1, &output, 1));
  report("log-null-name", hearth_embed_log_scalar(session, NULL, 1.0));
  report("close", hearth_embed_close(session));
  report("step-after-close", hearth_embed_train_step(session, &input, 1, &target, 1, NULL));
  report("close-again", hearth_embed_close(session));
}

/* A plugin that throws in the middle of training: its third forward. */
static void throwing_cases(const char* runs, const char* plugins) {
  hearth_embed_params params;
  hearth_embed_session* session = NULL;
  hearth_embed_default_params(&params);
  params.runs_dir = runs;
  params.plugin_path = plugins;
  params.job_toml = "[job]\nname = \"throws\"\n[model]\nplugin = \"fails_after\"\ncalls = 2\nin_features = 1\nout_features = 1\n"
                    "[[losses]]\nplugin = \"mse\"\n[optimizer]\nplugin = \"sgd\"\nlr = 0.1\n";
  report("open-throwing", hearth_embed_open(&params, &session));
  float x[8] = {0}, y[8] = {0};
  int64_t shape[2] = {8, 1};
  hearth_embed_array input, target;
  hearth_embed_array_init(&input, x, HEARTH_EMBED_FLOAT32, 2, shape);
  hearth_embed_array_init(&target, y, HEARTH_EMBED_FLOAT32, 2, shape);
  for (int i = 0; i < 3; ++i) report("step-throwing", hearth_embed_train_step(session, &input, 1, &target, 1, NULL));
  report("close-throwing", hearth_embed_close(session));
}

/* A column-major (Fortran) array and its C-ordered copy give the same predictions; the array is
 * read in place, so changing it changes the next prediction. */
static void column_cases(const char* runs) {
  hearth_embed_params params;
  hearth_embed_session* session = NULL;
  hearth_embed_default_params(&params);
  params.runs_dir = runs;
  params.job_toml = "[job]\nname = \"columns\"\nthreads = 1\n[model]\nplugin = \"mlp\"\nin_features = 3\nhidden = [5]\nout_features = 2\n"
                    "[[losses]]\nplugin = \"mse\"\n[optimizer]\nplugin = \"sgd\"\nlr = 0.1\n";
  report("open-columns", hearth_embed_open(&params, &session));
  float rows[12], columns[12], from_rows[8], from_columns[8], again[8];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) rows[i * 3 + j] = columns[j * 4 + i] = (float)(i * 0.7 - j * 0.3);
  int64_t matrix[2] = {4, 3}, column_strides[2] = {1, 4}, out_shape[2] = {4, 2};
  hearth_embed_array by_rows, by_columns, into_rows, into_columns, into_again;
  hearth_embed_array_init(&by_rows, rows, HEARTH_EMBED_FLOAT32, 2, matrix);
  hearth_embed_array_init(&by_columns, columns, HEARTH_EMBED_FLOAT32, 2, matrix);
  by_columns.strides = column_strides;
  hearth_embed_array_init(&into_rows, from_rows, HEARTH_EMBED_FLOAT32, 2, out_shape);
  hearth_embed_array_init(&into_columns, from_columns, HEARTH_EMBED_FLOAT32, 2, out_shape);
  hearth_embed_array_init(&into_again, again, HEARTH_EMBED_FLOAT32, 2, out_shape);
  report("predict-rows", hearth_embed_predict(session, &by_rows, 1, &into_rows, 1));
  report("predict-columns", hearth_embed_predict(session, &by_columns, 1, &into_columns, 1));
  printf("columns-equal %d\n", memcmp(from_rows, from_columns, sizeof from_rows) == 0);
  rows[0] += 1.0f;
  report("predict-changed", hearth_embed_predict(session, &by_rows, 1, &into_again, 1));
  printf("changed-differs %d\n", memcmp(from_rows, again, sizeof again) != 0);
  report("close-columns", hearth_embed_close(session));
}

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  open_cases(argv[2]);
  array_cases(argv[1], argv[2]);
  throwing_cases(argv[2], argv[3]);
  column_cases(argv[2]);
  return 0;
}
