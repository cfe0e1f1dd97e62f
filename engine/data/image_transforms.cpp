#include "engine/data/image_transforms.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/core/error.hpp"
#include "engine/core/splitmix.hpp"
#include "engine/data/antialiased_resize.hpp"

namespace hearth {
namespace {

using Step = TransformStep;

/// Python's round(): halves go to the even neighbour, as torchvision's crop positions do.
int64_t round_half_even(double v) { return static_cast<int64_t>(std::nearbyint(v)); }

bool is_byte(const at::Tensor& t) { return t.scalar_type() == at::kByte; }

/// Back to the image's own type: uint8 images are rounded and clamped, as torchvision does.
at::Tensor like(const at::Tensor& result, const at::Tensor& original) {
  return is_byte(original) ? result.round().clamp_(0, 255).to(at::kByte) : result;
}

/// Bilinear resize with antialiasing (torchvision's Resize(antialias=True), and what PIL does):
/// bytes in fixed point, floats through ATen.
at::Tensor resize_to(const at::Tensor& img, int64_t h, int64_t w) {
  if (img.size(1) == h && img.size(2) == w) return img;
  if (is_byte(img)) return antialiased_resize(img, h, w);
  const at::Tensor x = img.unsqueeze(0);
  return like(at::_upsample_bilinear2d_aa(x, {h, w}, false, c10::nullopt, c10::nullopt).squeeze(0), img);
}

at::Tensor crop(const at::Tensor& img, int64_t top, int64_t left, int64_t h, int64_t w) {
  return img.narrow(1, top, h).narrow(2, left, w);
}

at::Tensor center_crop(const at::Tensor& img, int64_t size) {
  at::Tensor x = img;
  const int64_t h = x.size(1), w = x.size(2);
  if (size > h || size > w) {  // torchvision pads a smaller image with zeros, evenly
    const int64_t ph = std::max<int64_t>(0, size - h), pw = std::max<int64_t>(0, size - w);
    x = at::constant_pad_nd(x, {pw / 2, (pw + 1) / 2, ph / 2, (ph + 1) / 2}, 0);
  }
  const int64_t top = round_half_even((x.size(1) - size) / 2.0), left = round_half_even((x.size(2) - size) / 2.0);
  return crop(x, top, left, size, size);
}

at::Tensor random_resized_crop(const at::Tensor& img, const Step& s, SampleRandom& r) {
  const int64_t height = img.size(1), width = img.size(2);
  const double area = static_cast<double>(height * width);
  const double log_lo = std::log(s.ratio_min), log_hi = std::log(s.ratio_max);
  // torchvision's RandomResizedCrop.get_params: ten tries, then a central crop.
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * r.uniform(s.scale_min, s.scale_max);
    const double aspect = std::exp(r.uniform(log_lo, log_hi));
    const int64_t w = round_half_even(std::sqrt(target * aspect)), h = round_half_even(std::sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const int64_t top = r.below(height - h + 1), left = r.below(width - w + 1);
      return resize_to(crop(img, top, left, h, w), s.size, s.size);
    }
  }
  const double in_ratio = static_cast<double>(width) / static_cast<double>(height);
  int64_t w = width, h = height;
  if (in_ratio < s.ratio_min) h = round_half_even(static_cast<double>(w) / s.ratio_min);
  else if (in_ratio > s.ratio_max) w = round_half_even(static_cast<double>(h) * s.ratio_max);
  return resize_to(crop(img, (height - h) / 2, (width - w) / 2, h, w), s.size, s.size);
}

at::Tensor random_crop(const at::Tensor& img, const Step& s, SampleRandom& r) {
  at::Tensor x = img;
  const int64_t h = img.size(1), w = img.size(2);
  if (s.padding > 0) {
    const int64_t p = s.padding;
    if (s.padding_mode == Step::Padding::constant) {
      x = at::constant_pad_nd(x, {p, p, p, p}, 0);
    } else {
      // Edge and reflect padding want float; uint8 values come back exactly.
      at::Tensor f = x.to(at::kFloat).unsqueeze(0);
      f = s.padding_mode == Step::Padding::edge ? at::replication_pad2d(f, {p, p, p, p}) : at::reflection_pad2d(f, {p, p, p, p});
      x = like(f.squeeze(0), img);
    }
  }
  const int64_t ch = s.size > 0 ? s.size : h, cw = s.size > 0 ? s.size : w;
  if (ch > x.size(1) || cw > x.size(2))
    throw Error("random_crop of " + std::to_string(s.size) + " is larger than the padded image (" + std::to_string(x.size(1)) + " x " +
                std::to_string(x.size(2)) + ")");
  const int64_t top = r.below(x.size(1) - ch + 1), left = r.below(x.size(2) - cw + 1);
  return crop(x, top, left, ch, cw);
}

/// torchvision's rgb_to_grayscale (ITU-R 601-2 luma), in the image's type.
at::Tensor grayscale(const at::Tensor& img) {
  if (img.size(0) != 3) return img;
  const at::Tensor f = img.to(at::kFloat);
  at::Tensor g = (f[0] * 0.2989 + f[1] * 0.587 + f[2] * 0.114).unsqueeze(0);
  return is_byte(img) ? g.to(at::kByte) : g;
}

/// torchvision's _blend: ratio * a + (1 - ratio) * b, clamped, back in a's type (truncated for uint8).
at::Tensor blend(const at::Tensor& a, const at::Tensor& b, double ratio) {
  const double bound = is_byte(a) ? 255.0 : 1.0;
  at::Tensor out = (a.to(at::kFloat) * ratio + b.to(at::kFloat) * (1.0 - ratio)).clamp_(0, bound);
  return is_byte(a) ? out.to(at::kByte) : out;
}

at::Tensor color_jitter(at::Tensor img, const Step& s, SampleRandom& r) {
  // torchvision draws the order of the adjustments first, then each factor.
  std::vector<int> order = {0, 1, 2};
  for (int i = 2; i > 0; --i) std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(r.below(i + 1))]);
  const double amounts[3] = {s.brightness, s.contrast, s.saturation};
  double factors[3];
  for (int i = 0; i < 3; ++i) factors[i] = amounts[i] > 0 ? r.uniform(std::max(0.0, 1 - amounts[i]), 1 + amounts[i]) : 1.0;
  for (int which : order) {
    if (amounts[which] <= 0) continue;
    const double f = factors[which];
    if (which == 0) img = blend(img, at::zeros_like(img), f);
    if (which == 1) img = blend(img, grayscale(img).to(at::kFloat).mean().expand_as(img), f);
    if (which == 2) img = blend(img, grayscale(img).expand_as(img), f);
  }
  return img;
}

at::Tensor normalize(const at::Tensor& img, const Step& s, const std::string& what) {
  const int64_t c = img.size(0);
  if (static_cast<int64_t>(s.mean.size()) != c || static_cast<int64_t>(s.std.size()) != c)
    throw Error(what + " has " + std::to_string(c) + " channels but normalize has " + std::to_string(s.mean.size()) +
                " means and " + std::to_string(s.std.size()) + " deviations; give one per channel");
  if (is_byte(img)) {
    // One table of 256 values per channel: one pass instead of four (convert, scale, shift, divide).
    const at::Tensor bytes = img.contiguous();
    at::Tensor out = at::empty(bytes.sizes(), bytes.options().dtype(at::kFloat));
    const int64_t plane = bytes.size(1) * bytes.size(2);
    const uint8_t* in = bytes.data_ptr<uint8_t>();
    float* dst = out.data_ptr<float>();
    for (int64_t ch = 0; ch < c; ++ch) {
      float table[256];
      for (int v = 0; v < 256; ++v)
        table[v] = static_cast<float>((static_cast<float>(v) / 255.0f - static_cast<float>(s.mean[static_cast<size_t>(ch)])) /
                                      static_cast<float>(s.std[static_cast<size_t>(ch)]));
      for (int64_t i = 0; i < plane; ++i) dst[ch * plane + i] = table[in[ch * plane + i]];
    }
    return out;
  }
  const at::Tensor mean = at::tensor(std::vector<float>(s.mean.begin(), s.mean.end())).view({c, 1, 1});
  const at::Tensor sd = at::tensor(std::vector<float>(s.std.begin(), s.std.end())).view({c, 1, 1});
  return img.to(at::kFloat).sub(mean).div_(sd);
}

}  // namespace

SampleRandom::SampleRandom(uint64_t seed, int64_t epoch, int64_t sample)
    : engine_(splitmix64(splitmix64(splitmix64(seed) ^ static_cast<uint64_t>(epoch)) ^ static_cast<uint64_t>(sample))) {}

double SampleRandom::uniform(double lo, double hi) {
  return lo + (hi - lo) * unit_interval(engine_());
}

int64_t SampleRandom::below(int64_t n) { return n <= 1 ? 0 : static_cast<int64_t>(engine_() % static_cast<uint64_t>(n)); }

std::pair<int64_t, int64_t> resized_shape(int64_t h, int64_t w, int64_t size) {
  if (h <= w) return {size, static_cast<int64_t>(static_cast<double>(size) * static_cast<double>(w) / static_cast<double>(h))};
  return {static_cast<int64_t>(static_cast<double>(size) * static_cast<double>(h) / static_cast<double>(w)), size};
}

at::Tensor transform_image(const at::Tensor& image, const std::vector<TransformStep>& steps, SampleRandom& random,
                           const std::string& what) {
  if (image.dim() != 3)
    throw Error(what + " is " + std::to_string(image.dim()) + "-dimensional; [[transforms]] work on images [C, H, W]");
  at::Tensor x = image;
  for (const Step& s : steps) {
    switch (s.op) {
      case Step::Op::resize: {
        const auto [h, w] = resized_shape(x.size(1), x.size(2), s.size);
        x = resize_to(x, h, w);
        break;
      }
      case Step::Op::center_crop: x = center_crop(x, s.size); break;
      case Step::Op::random_resized_crop: x = random_resized_crop(x, s, random); break;
      case Step::Op::horizontal_flip:
        if (random.uniform(0, 1) < s.p) x = x.flip({2});
        break;
      case Step::Op::random_crop: x = random_crop(x, s, random); break;
      case Step::Op::color_jitter: x = color_jitter(x, s, random); break;
      case Step::Op::normalize: x = normalize(x, s, what); break;
    }
  }
  // Models take floats: an image still in bytes after the last step is scaled to [0, 1].
  return is_byte(x) ? x.to(at::kFloat).div_(255.0) : x.contiguous();
}

}  // namespace hearth
