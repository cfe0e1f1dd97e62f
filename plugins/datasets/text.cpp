// `text`: a UTF-8 text file (or a folder of them) as a language-model dataset: tokens are its
// characters or its bytes, the vocabulary is built from the train part and given to the host as
// the dataset's classes (the run keeps it; `hearth sample` decodes with it), the last
// valid_tail of the stream is the valid split, and samples are windows of block_size tokens
// with their next-token targets.
#include <hearth/plugin.hpp>

#include "encoded_text.hpp"
#include "token_windows.hpp"

namespace {

using namespace hearth_datasets;

class TextDataset : public hearth::Dataset {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::string("file", "").file().doc("A UTF-8 text file (or give `folder`)"),
        hearth::Param::string("folder", "").folder().doc("A folder of text files, read in name order as one stream"),
        hearth::Param::string("level", "char").choices({"char", "byte"}).doc(
            "One token per character (vocabulary: <unk> and the train part's characters) or per byte (256)"),
        hearth::Param::integer("block_size", 64).range(1, 1000000).doc("Tokens per window (the model's context length)"),
        hearth::Param::integer("stride", 0).min(0).doc(
            "Tokens between the starts of two windows (0: block_size; 1: every offset is a sample)"),
        hearth::Param::number("valid_tail", 0.1).range(0.0, 0.9).doc(
            "The share of the stream at its end held out as the valid split (0: none)"),
    };
  }

  explicit TextDataset(const hearth::Params& p) : block_(p.get<int64_t>("block_size")) {
    const double valid_fraction = p.get<double>("valid_tail");
    const TextLevel level = p.get<std::string>("level") == "byte" ? TextLevel::bytes : TextLevel::chars;
    const auto files = corpus_files(p.get<std::string>("file"), p.get<std::string>("folder"));
    where_ = files.front()->path() + (files.size() > 1 ? " (and " + std::to_string(files.size() - 1) + " more files)" : "");
    text_ = encode_text(files, level, valid_fraction);
    const int64_t stride = p.get<int64_t>("stride") > 0 ? p.get<int64_t>("stride") : block_;
    const std::string unit = level == TextLevel::chars ? "characters" : "bytes";
    check_long_enough(text_.train_tokens, "train part", unit);
    splits_[0] = TokenWindows(text_.data, text_.width, text_.train_tokens, block_, stride, where_);
    const int64_t valid = text_.tokens - text_.train_tokens;
    if (valid_fraction > 0) {
      check_long_enough(valid, "valid part (the last " + std::to_string(static_cast<int>(valid_fraction * 100 + 0.5)) + "%)", unit);
      splits_[1] = TokenWindows(text_.data + text_.train_tokens * text_.width, text_.width, valid, block_, stride, where_);
    }
  }

  int64_t size(hearth::Split split) override { return splits_[static_cast<int>(split)].windows(); }
  hearth::TensorList get(hearth::Split split, int64_t i) override {
    auto batch = get_batch(split, {i});
    return {(*batch)[0][0], (*batch)[1][0]};
  }
  std::optional<hearth::TensorList> get_batch(hearth::Split split, const std::vector<int64_t>& ids) override {
    return window_batch(splits_[static_cast<int>(split)], ids, block_, 0);
  }
  std::vector<hearth::TensorSpec> tensors() const override { return {{"tokens", HEARTH_ROLE_INPUT}, {"next", HEARTH_ROLE_TARGET}}; }
  /// The vocabulary: token i's text (a character, `<0xNN>` for a byte, `<unk>`).
  std::vector<std::string> classes() const override { return text_.vocabulary; }

 private:
  void check_long_enough(int64_t tokens, const std::string& part, const std::string& unit) const {
    if (tokens < block_ + 1)
      throw std::invalid_argument("text: the " + part + " of " + where_ + " holds " + std::to_string(tokens) + " " + unit +
                                  ", fewer than block_size + 1 = " + std::to_string(block_ + 1) +
                                  "; lower block_size, change valid_tail or give more text");
  }

  int64_t block_;
  std::string where_;
  EncodedText text_;
  TokenWindows splits_[3];
};

}  // namespace

HEARTH_REGISTER(TextDataset, "text", "A text file or folder as character- or byte-level token windows for language models",
                "Reads `file` (or every regular file in `folder`, in name order, as one stream). level = \"char\":\n"
                "one token per Unicode character; the vocabulary is <unk> (id 0, what a character the train\n"
                "part lacks becomes in valid text) and the train part's characters in code point order. level =\n"
                "\"byte\": one token per byte, 256 tokens named by their character or <0xNN>. The vocabulary is\n"
                "the dataset's classes: `vocab_size = \"dataset:classes\"` gives the model its size, and the run\n"
                "keeps it, so eval, resume, export and `hearth sample` decode alike. The last valid_tail of\n"
                "the stream is the valid split. A sample is block_size tokens (int64) and the same tokens moved\n"
                "on by one. The encoded stream is cached in Hearth's cache folder (text/*.tokens) and\n"
                "memory-mapped: an edited file is encoded again. A NUL byte (a binary file), bytes that are not\n"
                "UTF-8 at level \"char\", an empty file and a part shorter than block_size + 1 are refused.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
