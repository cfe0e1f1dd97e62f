// `image_folder`: one sub-folder per class holding PNG or JPEG images.
#include <hearth/plugin.hpp>

#include <filesystem>
#include <fstream>

#include "image_decode.hpp"

namespace {

namespace fs = std::filesystem;

/// 'j' for a JPEG's name, 'p' for a PNG's.
char ext_kind(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == ".png" ? 'p' : 'j';
}

/// The file's bytes; `what` names it in errors.
std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot open " + file.string());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class ImageFolder : public hearth::Dataset {
 public:
  static hearth::Schema schema() {
    hearth::Schema s = {hearth::Param::string("folder").folder().doc("Folder with one sub-folder of images per class")};
    for (hearth::Param& q : hearth_datasets::pixel_params()) s.push_back(q);
    return s;
  }
  explicit ImageFolder(const hearth::Params& p) : pixels_(p) {
    fs::path folder = p.get<std::string>("folder");
    if (!fs::is_directory(folder)) throw std::invalid_argument("image folder " + folder.string() + " does not exist");
    std::vector<fs::path> class_dirs;
    for (auto& e : fs::directory_iterator(folder))
      if (e.is_directory()) class_dirs.push_back(e.path());
    std::sort(class_dirs.begin(), class_dirs.end());
    for (const fs::path& dir : class_dirs) {
      std::vector<fs::path> files;
      for (auto& e : fs::directory_iterator(dir)) {
        std::string ext = e.path().extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
        if (ext == ".png" || ext == ".jpg" || ext == ".jpeg") files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
      for (const fs::path& f : files) samples_.emplace_back(f, static_cast<int64_t>(classes_.size()));
      classes_.push_back(dir.filename().string());
    }
    if (samples_.empty()) throw std::invalid_argument(folder.string() + " holds no PNG or JPEG images in class sub-folders");
  }
  int64_t size(hearth::Split split) override { return split == hearth::Split::train ? static_cast<int64_t>(samples_.size()) : 0; }
  hearth::TensorList get(hearth::Split split, int64_t i) override {
    if (split != hearth::Split::train || i < 0 || i >= size(split)) throw std::out_of_range("no such sample");
    const auto& [file, label] = samples_[static_cast<size_t>(i)];
    const std::string bytes = read_bytes(file);
    return {hearth_datasets::image_sample(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), pixels_, file.string(),
                                          ext_kind(file)),
            torch::tensor(label, torch::kInt64)};
  }
  std::vector<hearth::TensorSpec> tensors() const override { return {{"image", HEARTH_ROLE_INPUT}, {"label", HEARTH_ROLE_TARGET}}; }
  std::vector<std::string> classes() const override { return classes_; }

 private:
  hearth_datasets::PixelOptions pixels_;
  std::vector<std::pair<fs::path, int64_t>> samples_;
  std::vector<std::string> classes_;
};

}  // namespace

HEARTH_REGISTER(ImageFolder, "image_folder", "Images in one sub-folder per class (PNG, JPEG)",
                "Class names are the sorted sub-folder names. Images load on demand (on the host's worker\n"
                "threads) as float [C, H, W] in [0, 1], optionally grayscale (PIL's luma) and resized. JPEG\n"
                "through libjpeg-turbo, PNG through libspng (alpha dropped as stored, never premultiplied).")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
