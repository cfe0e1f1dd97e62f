/* A simulation that trains its own surrogate while it runs, through Hearth's C API.
 *
 * lorenz [RUNS_DIR]  (run from this folder, or give lorenz.toml's folder as the current one)
 *
 * An ensemble of 256 Lorenz systems (sigma 10, rho 28, beta 8/3) is integrated with RK4. Every
 * 10 steps of dt = 0.005 the ensemble's states before and after are one batch: the job's MLP
 * learns the map from a state to the state 10 steps on (in scaled units). Every 25 batches an
 * ensemble the model never trained on scores the epoch (hearth_embed_eval_step), and the
 * simulation logs its own energy-like number beside Hearth's columns. When the job's epochs are
 * done, the surrogate replaces the integrator for 20 jumps from fresh states, and the program
 * prints how far it strays from RK4: the model in use, in the same loop. The run folder is an
 * ordinary one: `hearth runs show`, metrics.png, TensorBoard, `hearth export`. */
#include <hearth/embed.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N 256
#define JUMP 10
#define SCALE 20.0f

static const double kDt = 0.005;

static void derivative(const double* s, double* d) {
  d[0] = 10.0 * (s[1] - s[0]);
  d[1] = s[0] * (28.0 - s[2]) - s[1];
  d[2] = s[0] * s[1] - 8.0 / 3.0 * s[2];
}

static void rk4(double* s) {
  double k1[3], k2[3], k3[3], k4[3], t[3];
  derivative(s, k1);
  for (int i = 0; i < 3; ++i) t[i] = s[i] + 0.5 * kDt * k1[i];
  derivative(t, k2);
  for (int i = 0; i < 3; ++i) t[i] = s[i] + 0.5 * kDt * k2[i];
  derivative(t, k3);
  for (int i = 0; i < 3; ++i) t[i] = s[i] + kDt * k3[i];
  derivative(t, k4);
  for (int i = 0; i < 3; ++i) s[i] += kDt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
}

/* N systems from seeded starting points, run for a while onto the attractor. */
static void start(double states[N][3], unsigned seed) {
  srand(seed);
  for (int n = 0; n < N; ++n) {
    for (int i = 0; i < 3; ++i) states[n][i] = 20.0 * rand() / RAND_MAX - 10.0 + (i == 2 ? 25.0 : 0.0);
    for (int k = 0; k < 500; ++k) rk4(states[n]);
  }
}

/* One batch: the states now (scaled) in `from`, then JUMP steps on in `to`. */
static double advance(double states[N][3], float* from, float* to) {
  double energy = 0;
  for (int n = 0; n < N; ++n) {
    for (int i = 0; i < 3; ++i) from[n * 3 + i] = (float)states[n][i] / SCALE;
    for (int k = 0; k < JUMP; ++k) rk4(states[n]);
    for (int i = 0; i < 3; ++i) to[n * 3 + i] = (float)states[n][i] / SCALE;
    energy += (states[n][0] * states[n][0] + states[n][1] * states[n][1] + states[n][2] * states[n][2]) / N;
  }
  return energy;
}

static int ok(hearth_embed_status status, const char* what) {
  if (status == HEARTH_EMBED_OK) return 1;
  fprintf(stderr, "%s: %s\n", what, hearth_embed_last_error());
  return 0;
}

int main(int argc, char** argv) {
  hearth_embed_params params;
  hearth_embed_default_params(&params);
  params.job_file = "lorenz.toml";
  params.runs_dir = argc > 1 ? argv[1] : NULL;
  hearth_embed_session* s;
  if (!ok(hearth_embed_open(&params, &s), "hearth_embed_open")) return 1;
  printf("training the surrogate in %s\n", hearth_embed_run_folder(s));

  static double train[N][3], held_out[N][3];
  static float from[N * 3], to[N * 3];
  int64_t shape[2] = {N, 3};
  hearth_embed_array x, y;
  hearth_embed_array_init(&x, from, HEARTH_EMBED_FLOAT32, 2, shape);
  hearth_embed_array_init(&y, to, HEARTH_EMBED_FLOAT32, 2, shape);
  start(train, 1);
  start(held_out, 2);
  int stop = 0;
  double loss = 0, valid = 0, energy = 0;
  while (!stop) {
    for (int b = 0; b < 25; ++b) {
      energy = advance(train, from, to);
      if (!ok(hearth_embed_train_step(s, &x, 1, &y, 1, &loss), "hearth_embed_train_step")) return 1;
    }
    advance(held_out, from, to);
    if (!ok(hearth_embed_eval_step(s, &x, 1, &y, 1, &valid), "hearth_embed_eval_step")) return 1;
    if (!ok(hearth_embed_log_scalar(s, "sim.energy", energy), "hearth_embed_log_scalar")) return 1;
    if (!ok(hearth_embed_end_epoch(s, &stop), "hearth_embed_end_epoch")) return 1;
  }
  printf("trained: %lld steps, last train loss %.3g, valid loss %.3g (scaled units)\n",
         (long long)hearth_embed_step_count(s), loss, valid);

  /* The surrogate in use: 20 jumps of JUMP steps from fresh states, against RK4. */
  static double truth[N][3];
  static float guess[N * 3], next[N * 3];
  start(truth, 3);
  for (int n = 0; n < N; ++n)
    for (int i = 0; i < 3; ++i) guess[n * 3 + i] = (float)truth[n][i] / SCALE;
  hearth_embed_array g, out;
  hearth_embed_array_init(&g, guess, HEARTH_EMBED_FLOAT32, 2, shape);
  hearth_embed_array_init(&out, next, HEARTH_EMBED_FLOAT32, 2, shape);
  for (int jump = 1; jump <= 20; ++jump) {
    if (!ok(hearth_embed_predict(s, &g, 1, &out, 1), "hearth_embed_predict")) return 1;
    double error = 0;
    for (int n = 0; n < N; ++n) {
      for (int k = 0; k < JUMP; ++k) rk4(truth[n]);
      for (int i = 0; i < 3; ++i) {
        guess[n * 3 + i] = next[n * 3 + i];
        const double d = SCALE * next[n * 3 + i] - truth[n][i];
        error += d * d / N;
      }
    }
    if (jump == 1 || jump % 5 == 0) printf("after %3d steps of dt: rms distance from RK4 %.3f\n", jump * JUMP, sqrt(error));
  }
  return ok(hearth_embed_close(s), "hearth_embed_close") ? 0 : 1;
}
