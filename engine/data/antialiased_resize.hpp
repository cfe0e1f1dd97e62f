// Bilinear resizing of uint8 images with antialiasing, in fixed point, as Pillow resamples (the
// images torchvision's ImageFolder hands its transforms) and as LibTorch 2.x's own uint8 path
// does. Hand-written because LibTorch 1.13 resizes only floats (a byte image then makes four
// passes over a float copy) and no Debian library resizes a tensor's planes this way; it is the
// step that decides how fast a 224-pixel random resized crop is made.
#pragma once

#include <ATen/Tensor.h>

#include <cstdint>

namespace hearth {

/// `image` (uint8 [C, H, W], any strides) resized to `height` x `width`: a separable triangle
/// filter whose support widens with the downscale factor (Pillow's BILINEAR), coefficients in
/// 22-bit fixed point, each pass rounded to bytes. Within 1 of torchvision's
/// `resize(antialias=True)` on the same image.
at::Tensor antialiased_resize(const at::Tensor& image, int64_t height, int64_t width);

}  // namespace hearth
