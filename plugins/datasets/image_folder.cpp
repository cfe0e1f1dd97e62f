// `image_folder`: one sub-folder per class holding PNG or JPEG images.
#include <cairo.h>
#include <hearth/plugin.hpp>
#include <jpeglib.h>

#include <csetjmp>
#include <cstdio>
#include <filesystem>

namespace {

namespace fs = std::filesystem;

/// HWC uint8 RGB from a PNG (Cairo reads PNG).
torch::Tensor read_png(const fs::path& file) {
  cairo_surface_t* s = cairo_image_surface_create_from_png(file.c_str());
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    std::string e = cairo_status_to_string(cairo_surface_status(s));
    cairo_surface_destroy(s);
    throw std::invalid_argument("cannot read PNG " + file.string() + ": " + e);
  }
  int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s), stride = cairo_image_surface_get_stride(s);
  torch::Tensor out = torch::empty({h, w, 3}, torch::kUInt8);
  auto acc = out.accessor<uint8_t, 3>();
  const unsigned char* data = cairo_image_surface_get_data(s);
  for (int y = 0; y < h; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(data + y * stride);
    for (int x = 0; x < w; ++x) {
      acc[y][x][0] = static_cast<uint8_t>(row[x] >> 16);
      acc[y][x][1] = static_cast<uint8_t>(row[x] >> 8);
      acc[y][x][2] = static_cast<uint8_t>(row[x]);
    }
  }
  cairo_surface_destroy(s);
  return out;
}

struct JpegError {
  jpeg_error_mgr mgr;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

/// HWC uint8 RGB from a JPEG (libjpeg).
torch::Tensor read_jpeg(const fs::path& file) {
  FILE* f = std::fopen(file.c_str(), "rb");
  if (!f) throw std::invalid_argument("cannot open " + file.string());
  jpeg_decompress_struct info;
  JpegError err;
  info.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = [](j_common_ptr c) {
    auto* e = reinterpret_cast<JpegError*>(c->err);
    (*c->err->format_message)(c, e->message);
    std::longjmp(e->jump, 1);
  };
  torch::Tensor out;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&info);
    std::fclose(f);
    throw std::invalid_argument("cannot read JPEG " + file.string() + ": " + err.message);
  }
  jpeg_create_decompress(&info);
  jpeg_stdio_src(&info, f);
  jpeg_read_header(&info, TRUE);
  info.out_color_space = JCS_RGB;
  jpeg_start_decompress(&info);
  out = torch::empty({static_cast<int64_t>(info.output_height), static_cast<int64_t>(info.output_width), 3}, torch::kUInt8);
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = out.data_ptr<uint8_t>() + static_cast<size_t>(info.output_scanline) * info.output_width * 3;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  std::fclose(f);
  return out;
}

class ImageFolder : public hearth::Dataset {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::string("folder").folder().doc("Folder with one sub-folder of images per class"),
            hearth::Param::integer("size", 0).min(0).doc("Resize every image to size x size (0: keep; all must match)"),
            hearth::Param::boolean("grayscale", false).doc("One channel instead of three")};
  }
  explicit ImageFolder(const hearth::Params& p) : size_(p.get<int64_t>("size")), gray_(p.get<bool>("grayscale")) {
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
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    torch::Tensor hwc = ext == ".png" ? read_png(file) : read_jpeg(file);
    torch::Tensor chw = hwc.permute({2, 0, 1}).to(torch::kFloat32).div(255.0);
    if (gray_) chw = (chw[0] * 0.299 + chw[1] * 0.587 + chw[2] * 0.114).unsqueeze(0);
    if (size_ > 0)
      chw = torch::upsample_bilinear2d(chw.unsqueeze(0), {size_, size_}, /*align_corners=*/false).squeeze(0);
    return {chw.contiguous(), torch::tensor(label, torch::kInt64)};
  }
  std::vector<hearth::TensorSpec> tensors() const override { return {{"image", HEARTH_ROLE_INPUT}, {"label", HEARTH_ROLE_TARGET}}; }
  std::vector<std::string> classes() const override { return classes_; }

 private:
  int64_t size_;
  bool gray_;
  std::vector<std::pair<fs::path, int64_t>> samples_;
  std::vector<std::string> classes_;
};

}  // namespace

HEARTH_REGISTER(ImageFolder, "image_folder", "Images in one sub-folder per class (PNG, JPEG)",
                "Class names are the sorted sub-folder names. Images load on demand (on the host's worker\n"
                "threads) as float [C, H, W] in [0, 1], optionally grayscale and resized.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
