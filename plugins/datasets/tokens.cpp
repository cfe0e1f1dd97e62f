// `tokens`: a flat file of token ids (uint16 or uint32, the `train.bin`/`val.bin` convention of GPT
// training scripts), memory-mapped and served as windows of block_size + 1 tokens: the first
// block_size are the input, the last block_size (shifted by one) the next-token targets.
#include <hearth/plugin.hpp>

#include <cstring>
#include <memory>

#include "mapped_file.hpp"
#include "token_windows.hpp"

namespace {

using hearth_datasets::MappedFile;
using hearth_datasets::TokenWindows;

/// One split's token stream and the windows cut from it.
class TokenStream {
 public:
  TokenStream() = default;
  /// Maps `path` (`what` names it in errors: "train tokens"). An empty path is a split without data.
  TokenStream(const std::string& path, const std::string& what, int width, int64_t block, int64_t stride) {
    if (path.empty()) return;
    file_ = MappedFile::open(path, what);
    if (file_->size() % static_cast<size_t>(width) != 0)
      throw std::invalid_argument(what + " " + path + " holds " + std::to_string(file_->size()) +
                                  " bytes, not a whole number of " + std::to_string(width * 8) +
                                  "-bit tokens; check `dtype` (the file's element type)");
    const auto tokens = static_cast<int64_t>(file_->size() / static_cast<size_t>(width));
    if (tokens < block + 1)
      throw std::invalid_argument(what + " " + path + " holds " + std::to_string(tokens) +
                                  " tokens, fewer than block_size + 1 = " + std::to_string(block + 1) +
                                  "; lower block_size or give a longer file");
    windows_ = TokenWindows(file_->data(), width, tokens, block, stride, path);
  }
  const TokenWindows& windows() const { return windows_; }

 private:
  std::shared_ptr<const MappedFile> file_;
  TokenWindows windows_;
};

class TokensDataset : public hearth::Dataset {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::string("file").file().doc("Train tokens: a flat file of little-endian token ids (train.bin)"),
            hearth::Param::string("valid_file", "").file().doc("Valid tokens (val.bin); empty: none (or [dataset] valid_fraction)"),
            hearth::Param::string("test_file", "").file().doc("Test tokens; empty: none"),
            hearth::Param::string("dtype", "uint16").choices({"uint16", "uint32"}).doc("The element type of every file"),
            hearth::Param::integer("block_size", 64).range(1, 1000000).doc("Tokens per window (the model's context length)"),
            hearth::Param::integer("stride", 0).min(0).doc(
                "Tokens between the starts of two windows (0: block_size; 1: every offset is a sample)"),
            hearth::Param::integer("vocab_size", 0).min(0).doc(
                "Token ids must be below it (checked in every served window); 0: not checked")};
  }
  explicit TokensDataset(const hearth::Params& p)
      : block_(p.get<int64_t>("block_size")), vocab_(p.get<int64_t>("vocab_size")) {
    const int width = p.get<std::string>("dtype") == "uint32" ? 4 : 2;
    const int64_t stride = p.get<int64_t>("stride") > 0 ? p.get<int64_t>("stride") : block_;
    streams_[0] = TokenStream(p.get<std::string>("file"), "train tokens", width, block_, stride);
    streams_[1] = TokenStream(p.get<std::string>("valid_file"), "valid tokens", width, block_, stride);
    streams_[2] = TokenStream(p.get<std::string>("test_file"), "test tokens", width, block_, stride);
  }
  int64_t size(hearth::Split split) override { return stream(split).windows().windows(); }
  hearth::TensorList get(hearth::Split split, int64_t i) override {
    auto batch = windows(split, {i});
    return {batch[0][0], batch[1][0]};
  }
  std::optional<hearth::TensorList> get_batch(hearth::Split split, const std::vector<int64_t>& ids) override {
    return windows(split, ids);
  }
  std::vector<hearth::TensorSpec> tensors() const override { return {{"tokens", HEARTH_ROLE_INPUT}, {"next", HEARTH_ROLE_TARGET}}; }

 private:
  const TokenStream& stream(hearth::Split split) const { return streams_[static_cast<int>(split)]; }
  hearth::TensorList windows(hearth::Split split, const std::vector<int64_t>& ids) const {
    return hearth_datasets::window_batch(stream(split).windows(), ids, block_, vocab_);
  }

  int64_t block_, vocab_;
  TokenStream streams_[3];
};

}  // namespace

HEARTH_REGISTER(TokensDataset, "tokens", "Token ids from flat uint16/uint32 files, as windows for language models",
                "Files are memory-mapped: they may be larger than RAM, and ranks on one machine share their\n"
                "pages. Window i starts at token i * stride; its input is block_size tokens and its target the\n"
                "same tokens moved on by one (int64 [block_size] each). The epoch's seeded order picks the\n"
                "windows, so stride = 1 samples every offset, as GPT training scripts do.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
