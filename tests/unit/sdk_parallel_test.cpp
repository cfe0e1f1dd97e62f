// hearth::parallel_for (hearth/sdk/parallel.hpp): LibTorch's own threads for plugin code built
// without -fopenmp, where at::parallel_for runs on one thread.
#include "unit/catch.hpp"
#include <hearth/sdk/parallel.hpp>
#include <torch/torch.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

TEST_CASE("hearth::parallel_for covers the range once, on LibTorch's threads, and passes exceptions on", "[sdk]") {
  const int threads_before = at::get_num_threads();
  at::set_num_threads(2);
  std::vector<std::atomic<int>> seen(1000);
  std::mutex m;
  std::set<std::thread::id> ids;
  hearth::parallel_for(0, 1000, 1, [&](int64_t b, int64_t e) {
    {
      std::lock_guard<std::mutex> lock(m);
      ids.insert(std::this_thread::get_id());
    }
    // Long enough that one thread cannot take every part before the other starts.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (int64_t i = b; i < e; ++i) seen[static_cast<size_t>(i)]++;
  });
  for (const auto& s : seen) REQUIRE(s.load() == 1);
  CHECK(ids.size() == 2);  // at::parallel_for, compiled here without -fopenmp, would use one

  // A range shorter than the grain, and an empty one, run here, as at::parallel_for's do.
  std::set<std::thread::id> small;
  hearth::parallel_for(0, 7, 8, [&](int64_t b, int64_t e) {
    CHECK(b == 0);
    CHECK(e == 7);
    small.insert(std::this_thread::get_id());
  });
  CHECK(small == std::set<std::thread::id>{std::this_thread::get_id()});
  hearth::parallel_for(5, 5, 1, [&](int64_t, int64_t) { FAIL("an empty range runs nothing"); });

  CHECK_THROWS_WITH(hearth::parallel_for(0, 100, 1,
                                         [&](int64_t b, int64_t) {
                                           if (b > 0) throw std::runtime_error("part after the first failed");
                                         }),
                    ContainsSubstring("part after the first failed"));
  at::set_num_threads(threads_before);
}
