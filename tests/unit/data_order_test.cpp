// One sample order whatever runs it: the epoch's order depends on the seed and the epoch alone,
// never on the number of loader threads or ranks, and a run resumed mid-epoch on another number
// of ranks goes on with exactly the samples the uninterrupted run would have seen.
#include <cairo.h>
#include "unit/catch.hpp"
#include <torch/torch.h>

#include <cmath>
#include <numeric>

#include "engine/data/batch_loader.hpp"
#include "engine/data/epoch_order.hpp"
#include "engine/data/keyed_permutation.hpp"
#include "engine/params/param_resolver.hpp"
#include "engine/runtime/modules/dataset_module.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

/// Every sample an epoch gives `world` ranks, global batch after global batch, each batch's
/// ranks side by side, from global batch `from` on.
std::vector<int64_t> visited(int64_t n, int64_t per_rank, int world, int64_t epoch, int64_t from = 0) {
  std::vector<EpochOrder> ranks;
  for (int r = 0; r < world; ++r) {
    ranks.emplace_back(iota(n), per_rank, true, 7);
    ranks.back().set_rank(r, world);
    ranks.back().start(epoch);
  }
  std::vector<int64_t> out;
  for (int64_t b = from; b < ranks[0].batch_count(); ++b)
    for (const EpochOrder& rank : ranks) {
      CHECK(rank.batch_count() == ranks[0].batch_count());
      const std::vector<int64_t> part = rank.batch(b);
      out.insert(out.end(), part.begin(), part.end());
    }
  return out;
}

std::unique_ptr<DatasetModule> image_folder_of_keys(const fs::path& dir, int samples, const PluginRegistry& registry) {
  // Image i is one pixel of grey level i: the loader's batches then spell out which samples came.
  for (int i = 0; i < samples; ++i) {
    const fs::path cls = dir / (i % 2 ? "odd" : "even");
    fs::create_directories(cls);
    cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
    cairo_t* cr = cairo_create(s);
    cairo_set_source_rgb(cr, i / 255.0, i / 255.0, i / 255.0);
    cairo_paint(cr);
    cairo_destroy(cr);
    char name[32];
    std::snprintf(name, sizeof name, "%03d.png", i);
    cairo_surface_write_to_png(s, (cls / name).c_str());
    cairo_surface_destroy(s);
  }
  const ModuleEntry& e = registry.find(HEARTH_CATEGORY_DATASET, "image_folder");
  ModuleRef ref = load_module(e.file, HEARTH_CATEGORY_DATASET, "image_folder");
  toml::table t = toml::parse("folder = '" + dir.string() + "'");
  return std::make_unique<DatasetModule>(ref, resolve_params(*ref.info, &t, ParamSource{"<test>", "image_folder", {}}));
}

/// The grey levels (sample keys) of every batch one rank's loader gives in `epoch`, from `skip` on.
std::vector<int64_t> loaded_keys(BatchLoader& loader, int64_t epoch, int64_t skip = 0) {
  std::vector<int64_t> keys;
  loader.start_epoch(epoch, skip);
  while (auto batch = loader.next()) {
    at::Tensor grey = batch->inputs[0].select(1, 0).reshape({-1}).mul(255).round().to(at::kLong);
    for (int64_t i = 0; i < grey.size(0); ++i) keys.push_back(grey[i].item<int64_t>());
  }
  return keys;
}

}  // namespace

TEST_CASE("an epoch's order is the same for 1, 2 and 4 ranks, global batch by global batch", "[data][order]") {
  // 96 samples: no remainder for any world size, so every world visits every sample.
  const std::vector<int64_t> one = visited(96, 24, 1, 3);
  REQUIRE(one.size() == 96);
  CHECK(visited(96, 12, 2, 3) == one);
  CHECK(visited(96, 6, 4, 3) == one);
  CHECK(visited(96, 24, 1, 4) != one);  // another epoch, another order
  std::vector<int64_t> sorted = one;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == iota(96));

  SECTION("with a remainder, several ranks leave out the epoch's last n mod world samples") {
    const std::vector<int64_t> alone = visited(101, 20, 1, 0);
    const std::vector<int64_t> two = visited(101, 10, 2, 0);
    REQUIRE(two.size() == 100);
    CHECK(std::equal(two.begin(), two.end(), alone.begin()));
    const std::vector<int64_t> four = visited(101, 5, 4, 0);
    REQUIRE(four.size() == 100);
    CHECK(std::equal(four.begin(), four.end(), alone.begin()));
  }
  SECTION("the order does not depend on the batch size") {
    EpochOrder a(iota(50), 4, true, 7), b(iota(50), 32, true, 7);
    a.start(2);
    b.start(2);
    CHECK(a.order() == b.order());
  }
  SECTION("resumed after 3 of its global batches on another world size, the epoch goes on with the same samples") {
    const std::vector<int64_t> rest(one.begin() + 3 * 24, one.end());
    CHECK(visited(96, 12, 2, 3, 3) == rest);  // started on 1, resumed on 2
    CHECK(visited(96, 24, 1, 3, 3) == rest);  // started on 2, resumed on 1
    CHECK(visited(96, 6, 4, 3, 3) == rest);
  }
}

TEST_CASE("the loader gives the same samples in the same order for 1, 2 and 4 threads and 1 and 2 ranks", "[data][order]") {
  TempDir dir, cache;
  const PluginRegistry registry = PluginRegistry::discover(isolated_discovery(cache.path(), {}));
  auto data = image_folder_of_keys(dir.path(), 48, registry);
  const std::vector<int64_t> all = iota(48);
  auto keys_of = [&](int workers, int rank, int world, int64_t batch, int64_t skip) {
    BatchLoader loader(*data, HEARTH_SPLIT_TRAIN, all, batch, /*shuffle=*/true, 11, workers);
    loader.shard(rank, world);
    return loaded_keys(loader, 1, skip);
  };
  const std::vector<int64_t> reference = keys_of(1, 0, 1, 8, 0);
  REQUIRE(reference.size() == 48);
  BatchLoader order_of(*data, HEARTH_SPLIT_TRAIN, all, 8, true, 11, 1);
  order_of.start_epoch(1);
  // Sample k is the k-th file in class-folder order: even/000, even/002, ..., odd/001, ...
  std::vector<int64_t> greys;
  for (int64_t k : order_of.epoch_order()) greys.push_back(k < 24 ? 2 * k : 2 * (k - 24) + 1);
  CHECK(reference == greys);
  CHECK(keys_of(2, 0, 1, 8, 0) == reference);
  CHECK(keys_of(4, 0, 1, 8, 0) == reference);

  // Two ranks with batch 4 each: rank 0 takes the first half of every global batch of 8.
  const std::vector<int64_t> r0 = keys_of(2, 0, 2, 4, 0), r1 = keys_of(2, 1, 2, 4, 0);
  REQUIRE((r0.size() == 24 && r1.size() == 24));
  std::vector<int64_t> merged;
  for (size_t b = 0; b < 6; ++b) {
    merged.insert(merged.end(), r0.begin() + static_cast<std::ptrdiff_t>(4 * b), r0.begin() + static_cast<std::ptrdiff_t>(4 * b + 4));
    merged.insert(merged.end(), r1.begin() + static_cast<std::ptrdiff_t>(4 * b), r1.begin() + static_cast<std::ptrdiff_t>(4 * b + 4));
  }
  CHECK(merged == reference);

  // Skipping 2 global batches (a resume) on one rank gives the rest of the two-rank epoch.
  CHECK(keys_of(1, 0, 1, 8, 2) == std::vector<int64_t>(reference.begin() + 16, reference.end()));
}

TEST_CASE("a split too large to shuffle as a list is shuffled by a keyed bijection, with no memory per sample", "[data][order]") {
  for (int64_t n : {1, 2, 3, 17, 1000, 4097}) {
    KeyedPermutation p(n, 99);
    std::vector<int64_t> seen;
    for (int64_t i = 0; i < n; ++i) seen.push_back(p(i));
    std::vector<int64_t> sorted = seen;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == iota(n));  // every element exactly once
    if (n >= 17) {
      CHECK(seen != iota(n));
      KeyedPermutation q(n, 100);
      CHECK(q(0) * 1000 + q(1) != p(0) * 1000 + p(1));  // another key, another order
    }
  }
  // A split of 2^24 + 5 windows (a token file of 32 MB at stride 1): the order is a bijection,
  // the same for 1 and 2 ranks, and costs nothing per sample.
  const int64_t n = EpochOrder::kListShuffleLimit + 5;
  EpochOrder one(IndexSet::range(n), 64, true, 3), two_a(IndexSet::range(n), 32, true, 3), two_b(IndexSet::range(n), 32, true, 3);
  two_a.set_rank(0, 2);
  two_b.set_rank(1, 2);
  for (EpochOrder* o : {&one, &two_a, &two_b}) o->start(1);
  for (int64_t b : {int64_t{0}, int64_t{1000}, one.batch_count() - 2}) {
    std::vector<int64_t> joined = two_a.batch(b), second = two_b.batch(b);
    joined.insert(joined.end(), second.begin(), second.end());
    CHECK(joined == one.batch(b));
  }
  std::vector<int64_t> first = one.batch(0);
  std::sort(first.begin(), first.end());
  CHECK(std::adjacent_find(first.begin(), first.end()) == first.end());
  CHECK(first != iota(64));
}
