// Windows of block_size + 1 tokens cut from a stream of uint16 or uint32 token ids (a mapped
// `tokens` file, a `text` dataset's encoded corpus): the first block_size tokens are a sample's
// input, the same tokens moved on by one its next-token targets. Header-only: each built-in
// dataset is its own library.
#pragma once

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace hearth_datasets {

class TokenWindows {
 public:
  TokenWindows() = default;
  /// `tokens` ids of `width` bytes (2 or 4) at `data`, at least block + 1 of them (the caller
  /// says why not in its own words); window w starts at token w * stride. `where` names the
  /// stream in errors (a file's path).
  TokenWindows(const uint8_t* data, int width, int64_t tokens, int64_t block, int64_t stride, std::string where)
      : data_(data), width_(width), block_(block), stride_(stride), where_(std::move(where)) {
    windows_ = tokens < block + 1 ? 0 : (tokens - block - 1) / stride + 1;
  }
  int64_t windows() const { return windows_; }

  /// Window `w`'s input and target rows, written as int64 into `input` and `target`. A token at or
  /// past `vocab` (when it is not 0) is refused with its position in the stream.
  void copy_window(int64_t w, int64_t vocab, int64_t* input, int64_t* target) const {
    if (w < 0 || w >= windows_) throw std::out_of_range("no window " + std::to_string(w));
    const int64_t first = w * stride_;
    if (width_ == 2)
      widen(reinterpret_cast<const uint16_t*>(data_) + first, vocab, first, input, target);
    else
      widen(reinterpret_cast<const uint32_t*>(data_) + first, vocab, first, input, target);
  }

 private:
  template <typename T>
  void widen(const T* src, int64_t vocab, int64_t first, int64_t* input, int64_t* target) const {
    T largest = 0;
    for (int64_t i = 0; i < block_; ++i) {
      input[i] = static_cast<int64_t>(src[i]);
      largest = std::max(largest, src[i]);
    }
    largest = std::max(largest, src[block_]);
    // The target row is the input row moved on by one token: one copy instead of a second widening.
    std::memcpy(target, input + 1, static_cast<size_t>(block_ - 1) * sizeof(int64_t));
    target[block_ - 1] = static_cast<int64_t>(src[block_]);
    if (vocab > 0 && static_cast<int64_t>(largest) >= vocab) {
      for (int64_t i = 0; i <= block_; ++i)
        if (static_cast<int64_t>(src[i]) >= vocab)
          throw std::invalid_argument(where_ + ": token " + std::to_string(first + i) + " is " +
                                      std::to_string(static_cast<int64_t>(src[i])) + ", outside vocab_size " +
                                      std::to_string(vocab) + "; raise vocab_size or check `dtype`");
    }
  }

  const uint8_t* data_ = nullptr;
  int width_ = 2;
  int64_t block_ = 1, stride_ = 1, windows_ = 0;
  std::string where_;
};

/// The windows `ids` of `windows` as one batch: input and target, int64 [ids, block] each.
inline std::vector<at::Tensor> window_batch(const TokenWindows& windows, const std::vector<int64_t>& ids, int64_t block,
                                            int64_t vocab) {
  const auto n = static_cast<int64_t>(ids.size());
  at::Tensor input = at::empty({n, block}, at::kLong), target = at::empty({n, block}, at::kLong);
  int64_t* in = input.data_ptr<int64_t>();
  int64_t* out = target.data_ptr<int64_t>();
  for (int64_t r = 0; r < n; ++r) windows.copy_window(ids[static_cast<size_t>(r)], vocab, in + r * block, out + r * block);
  return {input, target};
}

}  // namespace hearth_datasets
