// JPEG and PNG bytes to uint8 [C, H, W] tensors: JPEG through libjpeg-turbo's TurboJPEG API (with
// its scaled decoding when the caller needs fewer pixels), PNG through libspng, which keeps alpha
// straight (Cairo premultiplies it, which darkens every translucent pixel). A header that claims
// more pixels than `kMaxPixels` is refused before any memory is allocated for it: a 13 kB file may
// claim 100,000 x 100,000 pixels. Header-only: `image_folder` and `shards` each use it.
#pragma once

#include <hearth/plugin.hpp>
#include <spng.h>
#include <torch/torch.h>
#include <turbojpeg.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace hearth_datasets {

/// The most pixels an image may have: PIL's own limit for a decompression bomb
/// (Image.MAX_IMAGE_PIXELS x 2), so what Pillow opens, Hearth opens.
constexpr uint64_t kMaxPixels = 178956970;

/// What the caller will do with the image: the smallest size it needs (0: the full image), so
/// that a large JPEG can be decoded at 1/2, 1/4 or 1/8 of its size when that still covers it.
struct DecodeRequest {
  bool grayscale = false;
  int64_t min_width = 0, min_height = 0;
};

inline void refuse_bomb(uint64_t width, uint64_t height, const std::string& what) {
  if (width == 0 || height == 0 || width * height > kMaxPixels)
    throw std::invalid_argument(what + " claims " + std::to_string(width) + " x " + std::to_string(height) +
                                " pixels (over " + std::to_string(kMaxPixels) +
                                "): a decompression bomb or a damaged header; remove or re-encode it");
}

/// RGB (or ITU-R 601 luma, as PIL's "L") HWC pixels as CHW.
inline torch::Tensor chw_of(torch::Tensor hwc, bool grayscale) {
  if (grayscale && hwc.size(2) == 3) {
    // PIL's integer luma: L = (R*299 + G*587 + B*114) / 1000, rounded down.
    torch::Tensor w = hwc.to(torch::kInt32);
    hwc = ((w.select(2, 0) * 299 + w.select(2, 1) * 587 + w.select(2, 2) * 114) / 1000).to(torch::kUInt8).unsqueeze(2);
  }
  return hwc.permute({2, 0, 1}).contiguous();
}

inline torch::Tensor decode_jpeg(const uint8_t* bytes, size_t size, const DecodeRequest& request, const std::string& what) {
  struct Handle {
    tjhandle h = tjInitDecompress();
    ~Handle() {
      if (h != nullptr) tjDestroy(h);
    }
  };
  thread_local Handle handle;
  if (handle.h == nullptr) throw std::runtime_error("cannot start libjpeg-turbo's decompressor");
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle.h, bytes, static_cast<unsigned long>(size), &width, &height, &subsampling, &colorspace) != 0)
    throw std::invalid_argument("cannot read JPEG " + what + ": " + tjGetErrorStr2(handle.h));
  refuse_bomb(static_cast<uint64_t>(width), static_cast<uint64_t>(height), what);
  // The smallest of libjpeg-turbo's scales that still covers what the caller needs.
  int count = 0;
  const tjscalingfactor* factors = tjGetScalingFactors(&count);
  int out_w = width, out_h = height;
  for (int i = 0; i < count && (request.min_width > 0 || request.min_height > 0); ++i) {
    const tjscalingfactor f = factors[i];
    if (f.num > f.denom) continue;
    const int w = TJSCALED(width, f), h = TJSCALED(height, f);
    if (w >= request.min_width && h >= request.min_height && static_cast<int64_t>(w) * h < static_cast<int64_t>(out_w) * out_h) {
      out_w = w;
      out_h = h;
    }
  }
  const int channels = request.grayscale ? 1 : 3;
  torch::Tensor out = torch::empty({out_h, out_w, channels}, torch::kUInt8);
  if (tjDecompress2(handle.h, bytes, static_cast<unsigned long>(size), out.data_ptr<uint8_t>(), out_w, 0, out_h,
                    request.grayscale ? TJPF_GRAY : TJPF_RGB, 0) != 0)
    // Warnings too: "premature end of JPEG file" would otherwise pass as a grey-filled image.
    throw std::invalid_argument("cannot decode JPEG " + what + ": " + tjGetErrorStr2(handle.h));
  return out.permute({2, 0, 1}).contiguous();
}

inline torch::Tensor decode_png(const uint8_t* bytes, size_t size, const DecodeRequest& request, const std::string& what) {
  struct Context {
    spng_ctx* c = spng_ctx_new(0);
    ~Context() { spng_ctx_free(c); }
  } ctx;
  if (ctx.c == nullptr) throw std::runtime_error("cannot start libspng");
  auto fail = [&](int err, const char* doing) {
    return std::invalid_argument("cannot " + std::string(doing) + " PNG " + what + ": " + spng_strerror(err));
  };
  // Ancillary chunks are capped too: a PNG can claim a gigabyte of text in one chunk.
  spng_set_chunk_limits(ctx.c, 1 << 24, 1 << 26);
  int err = spng_set_png_buffer(ctx.c, bytes, size);
  if (err != 0) throw fail(err, "read");
  spng_ihdr ihdr{};
  if ((err = spng_get_ihdr(ctx.c, &ihdr)) != 0) throw fail(err, "read");
  refuse_bomb(ihdr.width, ihdr.height, what);
  size_t bytes_out = 0;
  if ((err = spng_decoded_image_size(ctx.c, SPNG_FMT_RGB8, &bytes_out)) != 0) throw fail(err, "size");
  torch::Tensor out = torch::empty({static_cast<int64_t>(ihdr.height), static_cast<int64_t>(ihdr.width), 3}, torch::kUInt8);
  if (bytes_out != static_cast<size_t>(out.numel())) throw fail(SPNG_EOVERFLOW, "size");
  // RGB8 drops alpha as it is stored (straight), and scales 16-bit samples to 8 bits.
  if ((err = spng_decode_image(ctx.c, out.data_ptr<uint8_t>(), bytes_out, SPNG_FMT_RGB8, 0)) != 0) throw fail(err, "decode");
  return chw_of(out, request.grayscale);
}

/// Whether `bytes` start like a JPEG, a PNG, or neither (then 0).
inline char image_kind(const uint8_t* bytes, size_t size) {
  if (size >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) return 'j';
  if (size >= 8 && std::memcmp(bytes, "\x89PNG\r\n\x1a\n", 8) == 0) return 'p';
  return 0;
}

/// A JPEG or PNG (told apart by their first bytes, not by a name) as uint8 [C, H, W]. Bytes that
/// are neither go to the decoder the name suggests (`named`: 'j' or 'p'), whose own message then
/// says what is wrong.
inline torch::Tensor decode_image(const uint8_t* bytes, size_t size, const DecodeRequest& request, const std::string& what,
                                  char named = 0) {
  const char kind = image_kind(bytes, size);
  switch (kind != 0 ? kind : named) {
    case 'j':
      return decode_jpeg(bytes, size, request, what);
    case 'p':
      return decode_png(bytes, size, request, what);
    default:
      throw std::invalid_argument(what + " is neither a JPEG nor a PNG (its first bytes say so); remove it or convert it");
  }
}

/// How an image dataset hands out its images (the keys pixel_params() declares).
struct PixelOptions {
  int64_t size = 0;         ///< resized to size x size; 0: as stored
  bool grayscale = false;
  bool uint8 = false;       ///< uint8 in 0-255 instead of float in [0, 1]
  int64_t decode_size = 0;  ///< JPEGs decoded at the smallest scale still covering this
  explicit PixelOptions(const hearth::Params& p)
      : size(p.get<int64_t>("size")), grayscale(p.get<bool>("grayscale")), uint8(p.get<bool>("uint8")),
        decode_size(p.get<int64_t>("decode_size")) {}
};

/// The keys of PixelOptions, for an image dataset's schema.
inline std::vector<hearth::Param> pixel_params() {
  return {hearth::Param::integer("size", 0).min(0).doc("Resize every image to size x size (0: keep; all must match)"),
          hearth::Param::boolean("grayscale", false).doc("One channel (PIL's luma) instead of three"),
          hearth::Param::boolean("uint8", false).doc(
              "Images as uint8 in 0-255, what [[transforms]] work on fastest (normalize, or the end of the list, makes floats "
              "of them); false: float in [0, 1]"),
          hearth::Param::integer("decode_size", 0).min(0).doc(
              "Decode each JPEG at the smallest of 1/8, 1/4, 1/2 or full scale whose sides are still at least this many "
              "pixels (libjpeg-turbo's scaled decoding: several times faster for large photos); 0: full size")};
}

/// One image sample from its encoded bytes, as `o` asks.
inline torch::Tensor image_sample(const uint8_t* bytes, size_t size, const PixelOptions& o, const std::string& what, char named) {
  DecodeRequest request;
  request.grayscale = o.grayscale;
  request.min_width = request.min_height = o.decode_size;
  const torch::Tensor pixels = decode_image(bytes, size, request, what, named);
  if (o.uint8) {
    if (o.size <= 0) return pixels;
    torch::Tensor f = torch::upsample_bilinear2d(pixels.to(torch::kFloat32).unsqueeze(0), {o.size, o.size}, false).squeeze(0);
    return f.round_().clamp_(0, 255).to(torch::kUInt8);
  }
  torch::Tensor chw = pixels.to(torch::kFloat32).div_(255.0);
  if (o.size > 0) chw = torch::upsample_bilinear2d(chw.unsqueeze(0), {o.size, o.size}, /*align_corners=*/false).squeeze(0);
  return chw.contiguous();
}

}  // namespace hearth_datasets
