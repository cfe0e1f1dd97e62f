// `shards`: WebDataset-style POSIX tar shards (members KEY.EXT, a sample's members next to each
// other), read with random access through an index of each shard's headers, so that the epoch's
// seeded order, exact resume and every rank's slice work as for any other dataset.
#include <hearth/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <utility>

#include "image_decode.hpp"
#include "npy_format.hpp"
#include "shard_index.hpp"
#include "shard_manifest.hpp"

namespace {

namespace fs = std::filesystem;
using hearth_datasets::Shard;
using hearth_datasets::CompactMember;

class ShardsDataset : public hearth::Dataset {
 public:
  static hearth::Schema own_schema() {
    return {hearth::Param::string("folder").folder().doc("Folder of the shards (and of manifest.json when hearth shard made them)"),
            hearth::Param::strings("train").doc("Train shards, relative to folder: names or brace patterns (train-{000000..000099}.tar)"),
            hearth::Param::strings("valid", {}).doc("Valid shards, as train; none: no valid split (or [dataset] valid_fraction)"),
            hearth::Param::strings("test", {}).doc("Test shards, as train"),
            hearth::Param::strings("inputs", {}).doc(
                "Member extension of each input tensor, alternatives split by ';' (\"jpg;png\"); empty: manifest.json's, "
                "else [\"jpg;jpeg;png\"]"),
            hearth::Param::strings("targets", {}).doc("Member extension of each target tensor; empty: manifest.json's, else [\"cls\"]")};
  }
  static hearth::Schema schema() {
    hearth::Schema s = own_schema();
    for (hearth::Param& q : hearth_datasets::pixel_params()) s.push_back(q);
    return s;
  }

  explicit ShardsDataset(const hearth::Params& p) : pixels_(p) {
    const fs::path folder = p.get<std::string>("folder");
    read_manifest(folder);
    std::vector<std::string> inputs = p.get<std::vector<std::string>>("inputs"), targets = p.get<std::vector<std::string>>("targets");
    const bool described = !manifest_inputs_.empty() || !manifest_targets_.empty();
    if (inputs.empty()) inputs = described ? manifest_inputs_ : std::vector<std::string>{"jpg;jpeg;png"};
    if (targets.empty()) targets = described ? manifest_targets_ : std::vector<std::string>{"cls"};
    for (const auto& e : inputs) wanted_.push_back({e, HEARTH_ROLE_INPUT});
    for (const auto& e : targets) wanted_.push_back({e, HEARTH_ROLE_TARGET});
    const char* keys[3] = {"train", "valid", "test"};
    for (int s = 0; s < 3; ++s)
      for (const std::string& pattern : p.get<std::vector<std::string>>(keys[s]))
        for (const std::string& name : hearth_datasets::expand_braces(pattern)) add_shard(folder / name, s);
    if (size(hearth::Split::train) == 0) throw std::invalid_argument("the train shards hold no samples; check `train`");
  }

  int64_t size(hearth::Split split) override {
    const std::vector<Span>& spans = splits_[static_cast<int>(split)];
    return spans.empty() ? 0 : spans.back().end;
  }

  hearth::TensorList get(hearth::Split split, int64_t i) override {
    const std::vector<Span>& spans = splits_[static_cast<int>(split)];
    if (i < 0 || spans.empty() || i >= spans.back().end) throw std::out_of_range("no such sample");
    // The shard holding sample i: a binary search over the split's shards, not a list of samples.
    const Span& span = *std::upper_bound(spans.begin(), spans.end(), i, [](int64_t v, const Span& s) { return v < s.end; });
    const Shard& shard = *shards_[span.shard];
    const auto [first, count] = shard.samples()[static_cast<size_t>(i - (span.end - static_cast<int64_t>(shard.samples().size())))];
    hearth::TensorList out;
    for (const auto& [alternatives, role] : wanted_) {
      (void)role;
      const int64_t member = find_member(shard, first, count, alternatives);
      if (member < 0) {
        std::string has;
        for (uint32_t m = first; m < first + count; ++m)
          has += (has.empty() ? "" : ", ") + extensions_.name(shard.members()[m].extension);
        const std::string key = hearth_datasets::key_and_extension(shard.name(first)).first;
        throw std::invalid_argument("shard " + shard.path() + ": sample '" + key + "' has no member of extension " + alternatives +
                                    " (it has " + has + "); every sample needs one");
      }
      out.push_back(decode(shard, static_cast<uint32_t>(member)));
    }
    return out;
  }

  std::vector<hearth::TensorSpec> tensors() const override {
    std::vector<hearth::TensorSpec> specs;
    for (const auto& [alternatives, role] : wanted_) {
      const std::string first = alternatives.substr(0, alternatives.find(';'));
      specs.push_back({tensor_names_.count(first) ? tensor_names_.at(first) : first, role});
    }
    return specs;
  }
  std::vector<std::string> classes() const override { return classes_; }

 private:
  void read_manifest(const fs::path& folder) {
    hearth_datasets::ShardManifest m = hearth_datasets::read_shard_manifest(folder);
    classes_ = std::move(m.classes);
    tensor_names_ = std::move(m.tensor_names);
    manifest_inputs_ = std::move(m.inputs);
    manifest_targets_ = std::move(m.targets);
  }

  void add_shard(const fs::path& path, int split) {
    shards_.push_back(std::make_unique<Shard>(path.string(), extensions_));
    std::vector<Span>& spans = splits_[split];
    const int64_t before = spans.empty() ? 0 : spans.back().end;
    spans.push_back({shards_.size() - 1, before + static_cast<int64_t>(shards_.back()->samples().size())});
  }

  /// The first member among [first, first + count) whose extension is one of `alternatives`
  /// (";"-separated, tried in order), or -1.
  int64_t find_member(const Shard& shard, uint32_t first, uint16_t count, const std::string& alternatives) const {
    for (size_t at = 0;;) {
      const size_t semi = alternatives.find(';', at);
      const std::string ext = alternatives.substr(at, semi - at);
      for (uint32_t m = first; m < first + count; ++m)
        if (extensions_.name(shard.members()[m].extension) == ext) return m;
      if (semi == std::string::npos) return -1;
      at = semi + 1;
    }
  }

  torch::Tensor decode(const Shard& shard, uint32_t member) const {
    std::string name;
    const std::string bytes = shard.read(member, &name);
    const std::string& ext = extensions_.name(shard.members()[member].extension);
    const std::string what = "member '" + name + "' of shard " + shard.path();
    const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
    const std::string last = ext.substr(ext.rfind('.') + 1);
    if (last == "jpg" || last == "jpeg" || last == "png") {
      return hearth_datasets::image_sample(data, bytes.size(), pixels_, what, last == "png" ? 'p' : 'j');
    }
    if (last == "npy") return hearth_datasets::npy_tensor(data, bytes.size(), what);
    if (last == "cls" || last == "txt") return class_of(bytes, last == "txt", what);
    if (last == "json") return numbers_of(bytes, what);
    throw std::invalid_argument(what + ": Hearth cannot decode '." + ext +
                                "' members; use jpg, png, npy, cls, txt or json");
  }

  /// A .cls member (an integer) or a .txt one (a class name of manifest.json's `classes`).
  torch::Tensor class_of(const std::string& text, bool by_name, const std::string& what) const {
    std::string t = text;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.erase(0, 1);
    if (by_name) {
      for (size_t i = 0; i < classes_.size(); ++i)
        if (classes_[i] == t) return torch::tensor(static_cast<int64_t>(i), torch::kInt64);
      throw std::invalid_argument(what + " names class '" + t.substr(0, 80) + "', which manifest.json's classes do not hold");
    }
    if (t.empty() || t.size() > 18 || t.find_first_not_of("0123456789") != std::string::npos)
      throw std::invalid_argument(what + " holds '" + t.substr(0, 80) + "', not a class number");
    return torch::tensor(static_cast<int64_t>(std::stoll(t)), torch::kInt64);
  }

  static torch::Tensor numbers_of(const std::string& text, const std::string& what) {
    bool scalar = false;
    std::vector<float> values = hearth_datasets::json_numbers(text, what, scalar);
    return scalar ? torch::tensor(values[0]) : torch::tensor(values);
  }

  hearth_datasets::PixelOptions pixels_;
  hearth_datasets::ExtensionTable extensions_;
  std::vector<std::unique_ptr<Shard>> shards_;
  /// Per split, its shards in order with the sample count up to and including each.
  struct Span {
    size_t shard;
    int64_t end;
  };
  std::vector<Span> splits_[3];
  std::vector<std::pair<std::string, hearth_role>> wanted_;
  std::vector<std::string> classes_, manifest_inputs_, manifest_targets_;
  std::map<std::string, std::string> tensor_names_;
};

}  // namespace

HEARTH_REGISTER(ShardsDataset, "shards", "WebDataset-style tar shards (KEY.jpg, KEY.cls, KEY.npy, ...)",
                "Members KEY.EXT grouped by key; each tensor is the member of one extension (jpg/jpeg/png images\n"
                "as float [C, H, W] in [0, 1], npy arrays as stored, cls class numbers, txt class names, json\n"
                "numbers). Each shard is indexed once (its headers only) and the index cached; samples are\n"
                "read at random on the host's worker threads. See docs/data.md.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
