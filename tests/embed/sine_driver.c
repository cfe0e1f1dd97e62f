/* A C program that trains a job's MLP on y = sin(x) from arrays it owns, through Hearth's C API
 * (hearth/embed.h), and uses the model's predictions: the embedding tests' driver.
 *
 * sine_driver JOB RUNS_DIR STEPS_PER_EPOCH [--resume RUN] [--kill-after STEP] [--out DIR] [--probe]
 *
 * Prints each step's loss as the bits of its double (the tests compare runs, and this program
 * with its Fortran twin sine_driver.f90, bitwise) and each epoch's valid loss, then the MSE of
 * the model's predictions on a grid against sin. The batch of step k depends on its place in the
 * epoch alone (the same 25 batches every epoch, as a dataset without shuffling gives them), by a
 * formula both languages compute alike, so a resumed run sees the batches it would have seen and
 * `hearth run` of the job over a CSV of those batches trains alike.
 *
 * Started as several ranks (mpirun -np 2, or RANK/WORLD_SIZE variables), rank r trains on its own
 * stream (the sequence moved on by r/2) and scores its own grid; --out DIR writes each rank's lines
 * to DIR/rank-R.txt, and --probe prints after every step a hash of the model's predictions on one
 * grid that all ranks share: ranks that hold the same weights print the same hashes. */
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

/* Step k's inputs on rank r: BATCH points of [-pi, pi], a low-discrepancy sequence moved on by k
 * (and by r/2: rank 0's are those of a program alone). */
static void batch_of(int64_t k, int32_t r, float* x, float* y) {
  for (int i = 0; i < BATCH; ++i) {
    const double u = fmod((double)k * 0.6180339887498949 + (double)i * 0.7548776662466927 + 0.5 * r, 1.0);
    x[i] = (float)(-kPi + 2.0 * kPi * u);
    y[i] = sinf(x[i]);
  }
}

/* The grid of rank r (shifted by r/4 of a cell): points, and sin of them. */
static void grid_of(int32_t r, float* x, float* y) {
  for (int i = 0; i < BATCH; ++i) {
    x[i] = (float)(-kPi + 2.0 * kPi * (i + 0.5 + 0.25 * r) / BATCH);
    y[i] = sinf(x[i]);
  }
}

/* FNV-1a over the bytes of n floats: one number for a model's predictions. */
static uint64_t hash_of(const float* values, int n) {
  uint64_t h = 1469598103934665603ull;
  const unsigned char* bytes = (const unsigned char*)values;
  for (size_t i = 0; i < (size_t)n * sizeof(float); ++i) h = (h ^ bytes[i]) * 1099511628211ull;
  return h;
}

/* The model's predictions on rank 0's grid, hashed. */
static int probe(hearth_embed_session* session, uint64_t* hash) {
  float gx[BATCH], gy[BATCH], prediction[BATCH];
  int64_t shape[2] = {BATCH, 1};
  hearth_embed_array input, output;
  grid_of(0, gx, gy);
  hearth_embed_array_init(&input, gx, HEARTH_EMBED_FLOAT32, 2, shape);
  hearth_embed_array_init(&output, prediction, HEARTH_EMBED_FLOAT32, 2, shape);
  if (check(hearth_embed_predict(session, &input, 1, &output, 1), "hearth_embed_predict")) return 1;
  *hash = hash_of(prediction, BATCH);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s JOB RUNS_DIR STEPS_PER_EPOCH [--resume RUN] [--kill-after STEP] [--out DIR] [--probe]\n",
            argv[0]);
    return 2;
  }
  const char* resume = NULL;
  const char* out_dir = NULL;
  long kill_after = -1;
  int probing = 0;
  for (int i = 4; i < argc; ++i) {
    if (strcmp(argv[i], "--probe") == 0) probing = 1;
    if (i + 1 >= argc) continue;
    if (strcmp(argv[i], "--resume") == 0) resume = argv[i + 1];
    if (strcmp(argv[i], "--kill-after") == 0) kill_after = atol(argv[i + 1]);
    if (strcmp(argv[i], "--out") == 0) out_dir = argv[i + 1];
  }
  const long steps_per_epoch = atol(argv[3]);

  hearth_embed_params params;
  hearth_embed_default_params(&params);
  params.job_file = argv[1];
  params.runs_dir = argv[2];
  params.resume = resume;
  hearth_embed_session* session = NULL;
  if (check(hearth_embed_open(&params, &session), "hearth_embed_open")) return 1;
  int32_t rank = 0, size = 1;
  if (check(hearth_embed_world(session, &rank, &size), "hearth_embed_world")) return 1;
  if (out_dir != NULL) {
    char path[4096];
    snprintf(path, sizeof path, "%s/rank-%d.txt", out_dir, (int)rank);
    if (freopen(path, "w", stdout) == NULL) {
      perror(path);
      return 1;
    }
  }
  printf("run %s\nrank %d of %d\n", hearth_embed_run_folder(session), (int)rank, (int)size);

  float x[BATCH], y[BATCH];
  int64_t shape[2] = {BATCH, 1};
  hearth_embed_array input, target;
  hearth_embed_array_init(&input, x, HEARTH_EMBED_FLOAT32, 2, shape);
  hearth_embed_array_init(&target, y, HEARTH_EMBED_FLOAT32, 2, shape);
  int stop = 0;
  for (int64_t k = hearth_embed_step_count(session); !stop; ++k) {
    batch_of(k % steps_per_epoch, rank, x, y);
    double loss = 0;
    if (check(hearth_embed_train_step(session, &input, 1, &target, 1, &loss), "hearth_embed_train_step")) return 1;
    int64_t bits;
    memcpy(&bits, &loss, sizeof bits);
    printf("step %lld bits %lld loss %.17g\n", (long long)(k + 1), (long long)bits, loss);
    uint64_t hash = 0;
    if (probing && probe(session, &hash)) return 1;
    if (probing) printf("probe %lld %016llx\n", (long long)(k + 1), (unsigned long long)hash);
    if (k + 1 == kill_after) {
      if (check(hearth_embed_save(session), "hearth_embed_save")) return 1;
      fflush(stdout);
      raise(SIGKILL);
    }
    if ((k + 1) % steps_per_epoch != 0) continue;
    /* The valid batch: a grid, the same every epoch. */
    grid_of(rank, x, y);
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
