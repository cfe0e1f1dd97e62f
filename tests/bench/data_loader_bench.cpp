// The data pipeline alone, as training sees it (a built-in dataset through the ABI, the engine's
// BatchLoader: epoch order, prefetch thread, batch fetch): samples per second over one shuffled
// pass, and the peak anonymous memory (RssAnon, sampled every 5 ms) of this process while it
// ran. Driven by tests/bench/data_scale.py, which compares it with NumPy's memmap loop.
//
//   bench_data_loader DATASET TOML BATCH [BATCHES]   (DATASET: a built-in dataset's name, e.g.
//   tokens or npy; TOML: its table; BATCHES: stop after that many, 0: the whole epoch)
// Prints one JSON line: {"samples", "seconds", "samples_per_s", "peak_rss_anon_kb"}.
#include <toml++/toml.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <numeric>
#include <string>
#include <thread>

#include "engine/data/batch_loader.hpp"
#include "engine/params/param_resolver.hpp"
#include "engine/runtime/library_loader.hpp"
#include "engine/runtime/modules/dataset_module.hpp"

namespace {

int64_t rss_anon_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("RssAnon:", 0) == 0) return std::stoll(line.substr(8));
  return -1;
}

/// Samples RssAnon until destroyed; peak() is the largest value seen.
class PeakMemory {
 public:
  PeakMemory() : thread_([this] {
      while (!stop_) {
        peak_ = std::max<int64_t>(peak_, rss_anon_kb());
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }) {}
  ~PeakMemory() {
    stop_ = true;
    thread_.join();
  }
  int64_t peak() const { return std::max<int64_t>(peak_, rss_anon_kb()); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> peak_{0};
  std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: bench_data_loader DATASET TOML BATCH [BATCHES]\n";
    return 2;
  }
  try {
    const std::string name = argv[1];
    const int64_t batch = std::stoll(argv[3]);
    const int64_t limit = argc > 4 ? std::stoll(argv[4]) : 0;
    at::set_num_threads(1);
    PeakMemory memory;
    const std::string file = std::string(HEARTH_PLUGIN_DIR) + "/datasets/libhearth_dataset_" + name + ".so";
    hearth::ModuleRef ref = hearth::load_module(file, HEARTH_CATEGORY_DATASET, name);
    toml::table table = toml::parse(argv[2]);
    hearth::DatasetModule data(ref, hearth::resolve_params(*ref.info, &table, hearth::ParamSource{"<bench>", name, {}}));
    hearth::BatchLoader loader(data, HEARTH_SPLIT_TRAIN, hearth::IndexSet::range(data.size(HEARTH_SPLIT_TRAIN)), batch,
                               /*shuffle=*/true, 1, /*workers=*/1);
    loader.start_epoch(0);
    int64_t samples = 0, batches = 0;
    double checksum = 0;
    const auto t0 = std::chrono::steady_clock::now();
    while (auto b = loader.next()) {
      samples += b->size;
      checksum += static_cast<double>(b->inputs[0].view(-1)[0].item<int64_t>());  // touch what came
      if (limit > 0 && ++batches >= limit) break;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("{\"samples\": %lld, \"seconds\": %.4f, \"samples_per_s\": %.1f, \"peak_rss_anon_kb\": %lld, \"checksum\": %.0f}\n",
                static_cast<long long>(samples), seconds, static_cast<double>(samples) / seconds,
                static_cast<long long>(memory.peak()), checksum);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
