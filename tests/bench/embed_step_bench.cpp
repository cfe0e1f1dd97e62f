// What Hearth's embedding API costs per step (issue 31): one hearth_embed_train_step against the
// same step written by hand in LibTorch, on the same arrays, in one process. MLP 64-256-256-1,
// batch 256, Adam, MSE, 2 threads, after warm-up; they take turns one step at a time, in a
// rotating order, and the medians of single steps are compared. Hearth runs twice: as a job would
// (its `adam` updates each parameter in one fused pass) and with `fused = false`
// (torch::optim::Adam, as the hand loop: the API's own overhead). A second, identical hand loop
// measures the noise floor: where a model's tensors landed in memory alone moves a step's time by
// several percent. Likewise hearth_embed_predict against a forward under NoGradGuard. Target:
// <= 1.05x. docs/benchmarks.md has the figures and the machine.
//
//   cmake --build build --target bench_embed_step && build/bin/bench_embed_step [ROUNDS]
#include <hearth/embed.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace {

constexpr int64_t kBatch = 256, kIn = 64, kHidden = 256;
constexpr int kBlock = 50;

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double seconds_of(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void check(hearth_embed_status status, const char* what) {
  if (status == HEARTH_EMBED_OK) return;
  std::fprintf(stderr, "%s: %s\n", what, hearth_embed_last_error());
  std::exit(1);
}

/// The hand-written step: what a LibTorch program would do without Hearth.
struct ByHand {
  torch::nn::Sequential model{torch::nn::Linear(kIn, kHidden), torch::nn::ReLU(), torch::nn::Linear(kHidden, kHidden),
                              torch::nn::ReLU(), torch::nn::Linear(kHidden, 1)};
  torch::optim::Adam optimizer{model->parameters(), torch::optim::AdamOptions(1e-3)};
  double step(const torch::Tensor& x, const torch::Tensor& y) {
    optimizer.zero_grad();
    torch::Tensor loss = torch::mse_loss(model->forward(x), y);
    loss.backward();
    optimizer.step();
    return loss.item<double>();
  }
  void predict(const torch::Tensor& x, torch::Tensor& out) {
    torch::NoGradGuard no_grad;
    out.copy_(model->forward(x));
  }
};

/// Each of `steps` runs `count` times after `warmup` untimed runs, one of each per iteration in
/// an order rotated by one each time; the seconds of every timed run, per step.
std::vector<std::vector<double>> rotated_times(const std::vector<std::function<void()>>& steps, int count, int warmup) {
  std::vector<std::vector<double>> times(steps.size());
  for (int i = -warmup; i < count; ++i)
    for (size_t k = 0; k < steps.size(); ++k) {
      const size_t which = (k + static_cast<size_t>(i + warmup)) % steps.size();
      const auto t0 = Clock::now();
      steps[which]();
      if (i >= 0) times[which].push_back(seconds_of(t0));
    }
  return times;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 20;
  const std::filesystem::path runs = std::filesystem::temp_directory_path() / "hearth-embed-bench";
  std::filesystem::remove_all(runs);
  auto open = [&](bool fused) {
    const std::string job = "[job]\nname = \"embed-bench\"\nthreads = 2\ndevice = \"cpu\"\n"
                            "[model]\nplugin = \"mlp\"\nin_features = 64\nhidden = [256, 256]\nout_features = 1\n"
                            "[[losses]]\nplugin = \"mse\"\n[optimizer]\nplugin = \"adam\"\nlr = 0.001\nfused = " +
                            std::string(fused ? "true" : "false") + "\n[train]\nepochs = 1000000\n";
    hearth_embed_params params;
    hearth_embed_default_params(&params);
    params.job_toml = job.c_str();
    const std::string runs_dir = runs.string();
    params.runs_dir = runs_dir.c_str();
    hearth_embed_session* session = nullptr;
    check(hearth_embed_open(&params, &session), "hearth_embed_open");
    return session;
  };
  hearth_embed_session* session = open(true);
  hearth_embed_session* unfused = open(false);
  torch::set_num_threads(2);

  torch::manual_seed(1);
  torch::Tensor x = torch::randn({kBatch, kIn}), y = torch::randn({kBatch, 1}), out = torch::empty({kBatch, 1});
  int64_t shape_in[2] = {kBatch, kIn}, shape_out[2] = {kBatch, 1};
  hearth_embed_array input, target, output;
  hearth_embed_array_init(&input, x.data_ptr<float>(), HEARTH_EMBED_FLOAT32, 2, shape_in);
  hearth_embed_array_init(&target, y.data_ptr<float>(), HEARTH_EMBED_FLOAT32, 2, shape_out);
  hearth_embed_array_init(&output, out.data_ptr<float>(), HEARTH_EMBED_FLOAT32, 2, shape_out);
  ByHand by_hand, by_hand2;

  // One step of each contender per iteration, in an order that rotates, so that drift in the
  // machine's speed and the cache left by the step before fall on all alike. A second hand-written
  // loop gives the noise floor: its ratio to the first is what "no difference" measures here.
  std::vector<std::function<void()>> train = {
      [&] { check(hearth_embed_train_step(session, &input, 1, &target, 1, nullptr), "hearth_embed_train_step"); },
      [&] { check(hearth_embed_train_step(unfused, &input, 1, &target, 1, nullptr), "hearth_embed_train_step"); },
      [&] { by_hand.step(x, y); },
      [&] { by_hand2.step(x, y); }};
  std::vector<std::function<void()>> predict = {
      [&] { check(hearth_embed_predict(session, &input, 1, &output, 1), "hearth_embed_predict"); },
      [&] { by_hand.predict(x, out); }};
  const std::vector<std::vector<double>> train_times = rotated_times(train, rounds * kBlock, 2 * kBlock);
  const std::vector<std::vector<double>> predict_times = rotated_times(predict, rounds * kBlock, 2 * kBlock);
  check(hearth_embed_close(session), "hearth_embed_close");
  check(hearth_embed_close(unfused), "hearth_embed_close");
  std::filesystem::remove_all(runs);
  const double ht = median(train_times[0]), ut = median(train_times[1]), lt = median(train_times[2]),
               l2 = median(train_times[3]), hp = median(predict_times[0]), lp = median(predict_times[1]);
  std::printf("LibTorch %s, %d threads, MLP %lld-%lld-%lld-1, batch %lld, Adam; medians of %zu steps each\n", TORCH_VERSION,
              torch::get_num_threads(), static_cast<long long>(kIn), static_cast<long long>(kHidden),
              static_cast<long long>(kHidden), static_cast<long long>(kBatch), train_times[0].size());
  std::printf("train_step: hearth_embed %.1f us, by hand %.1f us, ratio %.3fx (target <= 1.05x)\n", ht * 1e6, lt * 1e6, ht / lt);
  std::printf("train_step, fused = false (torch::optim::Adam as by hand): %.1f us, ratio %.3fx\n", ut * 1e6, ut / lt);
  std::printf("noise floor: a second hand-written loop %.1f us, ratio %.3fx\n", l2 * 1e6, l2 / lt);
  std::printf("predict:    hearth_embed %.1f us, by hand %.1f us, ratio %.3fx (target <= 1.05x)\n", hp * 1e6, lp * 1e6, hp / lp);
  return 0;
}
