// Augmentation of train batches: what flips and shifts do, and that they are seeded per batch.
#include "unit/catch.hpp"
#include <torch/torch.h>

#include "engine/jobs/augment.hpp"

using namespace hearth;

TEST_CASE("flips and shifts are seeded per batch and keep each image's content", "[augment]") {
  torch::manual_seed(3);
  at::Tensor images = torch::rand({64, 1, 6, 5});
  at::Tensor labels = torch::arange(64);
  Augmentation flip{true, 0};
  std::vector<at::Tensor> a = augment_batch({images, labels}, flip, 1, 0, 0);
  REQUIRE(a.size() == 2);
  CHECK(a[1].equal(labels));  // one-dimensional samples pass untouched
  int flipped = 0, kept = 0;
  for (int64_t i = 0; i < 64; ++i) {
    if (a[0][i].equal(images[i])) ++kept;
    else if (a[0][i].equal(images[i].flip({-1}))) ++flipped;
  }
  CHECK(kept + flipped == 64);
  CHECK(flipped > 16);
  CHECK(kept > 16);
  CHECK(augment_batch({images}, flip, 1, 0, 0)[0].equal(a[0]));      // same seed, epoch, batch
  CHECK_FALSE(augment_batch({images}, flip, 1, 0, 1)[0].equal(a[0]));  // another batch
  CHECK_FALSE(augment_batch({images}, flip, 2, 0, 0)[0].equal(a[0]));  // another seed

  Augmentation shift{false, 2};
  at::Tensor s = augment_batch({images}, shift, 1, 3, 4)[0];
  CHECK(s.sizes() == images.sizes());
  int moved = 0;
  for (int64_t i = 0; i < 64; ++i) {
    // Every value of a shifted image comes from the same image (edges are replicated).
    at::Tensor values = images[i].reshape({-1});
    at::Tensor got = s[i].reshape({-1});
    CHECK(at::isin(got, values).all().item<bool>());
    moved += s[i].equal(images[i]) ? 0 : 1;
  }
  CHECK(moved > 40);  // 24 of 25 offsets move the image
  CHECK(augment_batch({images}, Augmentation{}, 1, 0, 0)[0].equal(images));
}
