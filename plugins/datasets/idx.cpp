// `idx`: MNIST-format IDX files (images and labels), gzipped or raw; Fashion-MNIST by default.
#include <hearth/plugin.hpp>
#include <zlib.h>

#include <filesystem>

namespace {

namespace fs = std::filesystem;

/// Reads a whole IDX file (gzip or raw: zlib passes raw files through) into a uint8 tensor.
torch::Tensor read_idx(const fs::path& path) {
  if (!fs::exists(path)) {
    std::string hint = path.string().find("fashion-mnist") != std::string::npos
                           ? "; install the data with `sudo apt-get install dataset-fashion-mnist`"
                           : "; set the dataset's `folder` (and file names) to where the IDX files are";
    throw std::invalid_argument("IDX file " + path.string() + " does not exist" + hint);
  }
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) throw std::runtime_error("cannot open " + path.string());
  std::string data;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
  gzclose(f);
  auto be32 = [&](size_t at) {
    if (at + 4 > data.size()) throw std::runtime_error(path.string() + " is truncated (header)");
    const auto* p = reinterpret_cast<const unsigned char*>(data.data() + at);
    return static_cast<int64_t>(p[0]) << 24 | static_cast<int64_t>(p[1]) << 16 | static_cast<int64_t>(p[2]) << 8 | p[3];
  };
  int64_t magic = be32(0);
  if ((magic >> 8) != 0x08)
    throw std::runtime_error(path.string() + " is not an unsigned-byte IDX file (magic " + std::to_string(magic) + ")");
  int64_t dims = magic & 0xff;
  std::vector<int64_t> shape;
  int64_t count = 1;
  for (int64_t d = 0; d < dims; ++d) {
    shape.push_back(be32(4 + 4 * static_cast<size_t>(d)));
    count *= shape.back();
  }
  size_t offset = 4 + 4 * static_cast<size_t>(dims);
  if (data.size() < offset + static_cast<size_t>(count))
    throw std::runtime_error(path.string() + " is truncated: " + std::to_string(data.size() - offset) + " of " +
                             std::to_string(count) + " bytes");
  // The tensor keeps the decoded buffer instead of copying it: one copy of the file in memory.
  auto buffer = std::make_shared<std::string>(std::move(data));
  return torch::from_blob(buffer->data() + offset, shape, [buffer](void*) {}, torch::kUInt8);
}

/// Images of an IDX file as float [N, 1, H, W], scaled to [0, 1] and optionally normalised; one
/// copy per machine however many ranks train (hearth::shared_tensor).
torch::Tensor read_images(const fs::path& path, bool normalize) {
  return hearth::shared_tensor("images " + fs::absolute(path).string() + (normalize ? " normalized" : " scaled"),
                               [&](const hearth::SharedAlloc& alloc) {
                                 torch::Tensor raw = read_idx(path);
                                 if (raw.dim() == 3) raw = raw.unsqueeze(1);  // N, 1, H, W
                                 // Scaled once, up front, in place: fetching a batch is then one
                                 // index_select, and no second float copy of the split ever exists.
                                 torch::Tensor out = alloc(raw.sizes(), torch::kFloat32);
                                 out.copy_(raw).div_(255.0);
                                 if (normalize) out.sub_(0.2860f).div_(0.3530f);
                                 return out;
                               });
}

/// Labels of an IDX file as int64 class indices.
torch::Tensor read_labels(const fs::path& path) {
  return hearth::shared_tensor("labels " + fs::absolute(path).string(), [&](const hearth::SharedAlloc& alloc) {
    torch::Tensor raw = read_idx(path);
    return alloc(raw.sizes(), torch::kInt64).copy_(raw);
  });
}

class IdxDataset : public hearth::Dataset {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::string("folder", "/usr/share/datasets/fashion-mnist").folder().doc("Folder holding the four IDX files"),
        hearth::Param::string("train_images", "train-images-idx3-ubyte.gz").doc("Train images file in the folder"),
        hearth::Param::string("train_labels", "train-labels-idx1-ubyte.gz").doc("Train labels file"),
        hearth::Param::string("test_images", "t10k-images-idx3-ubyte.gz").doc("Test images file"),
        hearth::Param::string("test_labels", "t10k-labels-idx1-ubyte.gz").doc("Test labels file"),
        hearth::Param::string("classes", "fashion-mnist").choices({"fashion-mnist", "mnist", "numbers"}).doc(
            "Class names: Fashion-MNIST's, digits, or plain numbers"),
        hearth::Param::boolean("normalize", true).doc("Scale pixels to mean 0, std 1 (else to [0, 1])"),
    };
  }

  explicit IdxDataset(const hearth::Params& p) : class_set_(p.get<std::string>("classes")) {
    fs::path folder = p.get<std::string>("folder");
    const bool normalize = p.get<bool>("normalize");
    images_[0] = read_images(folder / p.get<std::string>("train_images"), normalize);
    labels_[0] = read_labels(folder / p.get<std::string>("train_labels"));
    images_[1] = read_images(folder / p.get<std::string>("test_images"), normalize);
    labels_[1] = read_labels(folder / p.get<std::string>("test_labels"));
    for (int s = 0; s < 2; ++s) {
      if (images_[s].size(0) != labels_[s].size(0))
        throw std::runtime_error("the " + std::string(s ? "test" : "train") + " split has " +
                                 std::to_string(images_[s].size(0)) + " images but " +
                                 std::to_string(labels_[s].size(0)) + " labels");
    }
    classes_ = int64_t(labels_[0].max().item<int64_t>() + 1);
  }

  int64_t size(hearth::Split split) override {
    if (split == hearth::Split::valid) return 0;
    return images_[slot(split)].size(0);
  }
  hearth::TensorList get(hearth::Split split, int64_t index) override {
    check(split, index);
    return {images_[slot(split)][index], labels_[slot(split)][index]};
  }
  std::optional<hearth::TensorList> get_batch(hearth::Split split, const std::vector<int64_t>& indices) override {
    for (int64_t i : indices) check(split, i);
    torch::Tensor idx = torch::tensor(indices, torch::kInt64);
    return hearth::TensorList{images_[slot(split)].index_select(0, idx), labels_[slot(split)].index_select(0, idx)};
  }
  std::vector<hearth::TensorSpec> tensors() const override {
    return {{"image", HEARTH_ROLE_INPUT}, {"label", HEARTH_ROLE_TARGET}};
  }
  std::vector<std::string> classes() const override {
    if (class_set_ == "fashion-mnist")
      return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
    std::vector<std::string> names;
    for (int64_t c = 0; c < classes_; ++c) names.push_back(std::to_string(c));
    return names;
  }

 private:
  static int slot(hearth::Split split) {
    if (split == hearth::Split::valid) throw std::invalid_argument("idx has no valid split; set valid_fraction in the job");
    return split == hearth::Split::test ? 1 : 0;
  }
  void check(hearth::Split split, int64_t index) {
    int64_t n = size(split);
    if (index < 0 || index >= n)
      throw std::out_of_range("sample " + std::to_string(index) + " is outside the split's " + std::to_string(n));
  }
  std::string class_set_;
  torch::Tensor images_[2], labels_[2];
  int64_t classes_ = 0;
};

}  // namespace

HEARTH_REGISTER(IdxDataset, "idx", "MNIST-format IDX image and label files (Fashion-MNIST by default)",
                "Reads the four IDX files (gzipped or raw) of an MNIST-like dataset into memory: images as\n"
                "float [1, H, W] tensors, labels as int64 class indices. Splits: train and test (use the\n"
                "job's valid_fraction for a valid split). Offers batch fetch.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
