/* A C program that trains a job's MLP on y = sin(x) from arrays it owns, through Hearth's C API
 * (hearth/embed.h), and uses the model's predictions: the embedding tests' driver.
 *
 * sine_driver JOB RUNS_DIR STEPS_PER_EPOCH [--resume RUN] [--kill-after STEP]
 *
 * Prints each step's loss as the bits of its double (the tests compare runs, and this program
 * with its Fortran twin sine_driver.f90, bitwise) and each epoch's valid loss, then the MSE of
 * the model's predictions on a grid against sin. The batch of step k depends on its place in the
 * epoch alone (the same 25 batches every epoch, as a dataset without shuffling gives them), by a
 * formula both languages compute alike, so a resumed run sees the batches it would have seen and
 * `hearth run` of the job over a CSV of those batches trains alike. */
#include <hearth/embed.h>

#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 64

static int check(hearth_embed_status status, const char* what) {
  if (status == HEARTH_EMBED_OK) return 0;
  fprintf(stderr, "%s failed (status %d): %s\n", what, (int)status, hearth_embed_last_error());
  return 1;
}

static const double kPi = 3.141592653589793;

/* Step k's inputs: BATCH points of [-pi, pi], a low-discrepancy sequence moved on by k. */
static void batch_of(int64_t k, float* x, float* y) {
  for (int i = 0; i < BATCH; ++i) {
    const double u = fmod((double)k * 0.6180339887498949 + (double)i * 0.7548776662466927, 1.0);
    x[i] = (float)(-kPi + 2.0 * kPi * u);
    y[i] = sinf(x[i]);
  }
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s JOB RUNS_DIR STEPS_PER_EPOCH [--resume RUN] [--kill-after STEP]\n", argv[0]);
    return 2;
  }
  const char* resume = NULL;
  long kill_after = -1;
  for (int i = 4; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--resume") == 0) resume = argv[i + 1];
    if (strcmp(argv[i], "--kill-after") == 0) kill_after = atol(argv[i + 1]);
  }
  const long steps_per_epoch = atol(argv[3]);

  hearth_embed_params params;
  hearth_embed_default_params(&params);
  params.job_file = argv[1];
  params.runs_dir = argv[2];
  params.resume = resume;
  hearth_embed_session* session = NULL;
  if (check(hearth_embed_open(&params, &session), "hearth_embed_open")) return 1;
  printf("run %s\n", hearth_embed_run_folder(session));

  float x[BATCH], y[BATCH];
  int64_t shape[2] = {BATCH, 1};
  hearth_embed_array input, target;
  hearth_embed_array_init(&input, x, HEARTH_EMBED_FLOAT32, 2, shape);
  hearth_embed_array_init(&target, y, HEARTH_EMBED_FLOAT32, 2, shape);
  int stop = 0;
  for (int64_t k = hearth_embed_step_count(session); !stop; ++k) {
    batch_of(k % steps_per_epoch, x, y);
    double loss = 0;
    if (check(hearth_embed_train_step(session, &input, 1, &target, 1, &loss), "hearth_embed_train_step")) return 1;
    int64_t bits;
    memcpy(&bits, &loss, sizeof bits);
    printf("step %lld bits %lld loss %.17g\n", (long long)(k + 1), (long long)bits, loss);
    if (k + 1 == kill_after) {
      if (check(hearth_embed_save(session), "hearth_embed_save")) return 1;
      fflush(stdout);
      raise(SIGKILL);
    }
    if ((k + 1) % steps_per_epoch != 0) continue;
    /* The valid batch: a grid, the same every epoch. */
    for (int i = 0; i < BATCH; ++i) {
      x[i] = (float)(-kPi + 2.0 * kPi * (i + 0.5) / BATCH);
      y[i] = sinf(x[i]);
    }
    double valid = 0;
    if (check(hearth_embed_eval_step(session, &input, 1, &target, 1, &valid), "hearth_embed_eval_step")) return 1;
    if (check(hearth_embed_log_scalar(session, "sim.steps", (double)(k + 1)), "hearth_embed_log_scalar")) return 1;
    printf("epoch valid %.17g\n", valid);
    if (check(hearth_embed_end_epoch(session, &stop), "hearth_embed_end_epoch")) return 1;
  }

  /* The model in use: predictions on the grid against sin. */
  float prediction[BATCH];
  hearth_embed_array output;
  hearth_embed_array_init(&output, prediction, HEARTH_EMBED_FLOAT32, 2, shape);
  if (check(hearth_embed_predict(session, &input, 1, &output, 1), "hearth_embed_predict")) return 1;
  double mse = 0;
  for (int i = 0; i < BATCH; ++i) mse += (prediction[i] - y[i]) * (prediction[i] - y[i]) / BATCH;
  printf("predicted mse %.17g\n", mse);
  if (check(hearth_embed_close(session), "hearth_embed_close")) return 1;
  return 0;
}
