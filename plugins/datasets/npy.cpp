// `npy`: NumPy arrays, as two .npy files (memory-mapped: they may be larger than RAM) or one .npz
// archive (read whole with libarchive, as NumPy reads one).
#include <archive.h>
#include <archive_entry.h>
#include <hearth/plugin.hpp>

#include <cstring>
#include <filesystem>
#include <map>
#include <memory>

#include "mapped_file.hpp"
#include "npy_format.hpp"

namespace {

using hearth_datasets::MappedFile;
using hearth_datasets::NpyLayout;
using hearth_datasets::read_npy_layout;

/// The .npy file `path` as a read-only tensor over its mapping: nothing is read until a sample is.
torch::Tensor map_npy(const std::string& path, const std::string& what) {
  std::shared_ptr<const MappedFile> file = MappedFile::open(path, what);
  file->expect_random_reads();
  const NpyLayout layout = read_npy_layout(file->data(), file->size(), path);
  void* data = const_cast<uint8_t*>(file->data() + layout.data_offset);
  // Never written: samples leave as copies (get() clones, get_batch() gathers).
  return torch::from_blob(data, layout.shape, [file](void*) {}, torch::TensorOptions().dtype(layout.type));
}

/// Every member of an .npz (a zip of .npy files), by name without ".npy".
std::map<std::string, std::string> read_npz(const std::string& path) {
  struct archive* a = archive_read_new();
  archive_read_support_format_zip(a);
  std::map<std::string, std::string> members;
  if (archive_read_open_filename(a, path.c_str(), 1 << 16) != ARCHIVE_OK) {
    std::string e = archive_error_string(a) ? archive_error_string(a) : "unknown error";
    archive_read_free(a);
    throw std::invalid_argument("cannot read " + path + " as .npz: " + e);
  }
  struct archive_entry* entry;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    std::string name = archive_entry_pathname(entry);
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0) name.resize(name.size() - 4);
    std::string data;
    char buf[1 << 16];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
    if (n < 0) {
      std::string e = archive_error_string(a) ? archive_error_string(a) : "unknown error";
      archive_read_free(a);
      throw std::invalid_argument(path + ": member " + name + " is unreadable: " + e);
    }
    members[name] = std::move(data);
  }
  archive_read_free(a);
  return members;
}

/// Member `member` of the .npz `file`; `key` is the parameter that chose it.
std::string read_npz_member(const std::string& file, const std::string& member, const char* key) {
  auto members = read_npz(file);
  auto found = members.find(member);
  if (found == members.end()) {
    std::string names;
    for (const auto& [n, _] : members) names += (names.empty() ? "" : ", ") + n;
    throw std::invalid_argument(file + " has no member '" + member + "' (it has " + names + "); set " + key);
  }
  return std::move(found->second);
}

/// Member `member` of an .npz, one copy per machine however many ranks train. An .npz is a zip
/// whose members may be compressed, so it is read whole, as NumPy reads one (its `mmap_mode` is
/// ignored for .npz too): larger-than-memory arrays belong in .npy files.
torch::Tensor load_npz_array(const std::string& file, const std::string& member, bool inputs) {
  const std::string key = std::string(inputs ? "inputs " : "targets ") + std::filesystem::absolute(file).string() + ":" + member;
  return hearth::shared_tensor(key, [&](const hearth::SharedAlloc& alloc) {
    const std::string bytes = read_npz_member(file, member, inputs ? "input_key" : "target_key");
    const std::string what = file + ":" + member;
    const NpyLayout layout = read_npy_layout(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), what);
    const torch::Tensor view = torch::from_blob(const_cast<char*>(bytes.data() + layout.data_offset), layout.shape, layout.type);
    return alloc(view.sizes(), view.scalar_type()).copy_(view);
  });
}

/// What a sample's tensor becomes on its way out: float64 inputs float32, int32 targets int64.
torch::ScalarType served_type(torch::ScalarType stored, bool inputs) {
  if (inputs && stored == torch::kFloat64) return torch::kFloat32;
  if (!inputs && stored == torch::kInt32) return torch::kInt64;
  return stored;
}

class NpyDataset : public hearth::Dataset {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::string("file").file().doc("An .npz archive, or the .npy file of the inputs"),
            hearth::Param::string("targets", "").file().doc("The .npy file of the targets (when `file` is an .npy)"),
            hearth::Param::string("input_key", "x").doc("Member of the .npz holding the inputs"),
            hearth::Param::string("target_key", "y").doc("Member of the .npz holding the targets")};
  }
  explicit NpyDataset(const hearth::Params& p) {
    const std::string file = p.get<std::string>("file");
    if (file.size() > 4 && file.compare(file.size() - 4, 4, ".npz") == 0) {
      inputs_ = load_npz_array(file, p.get<std::string>("input_key"), true);
      targets_ = load_npz_array(file, p.get<std::string>("target_key"), false);
    } else {
      if (p.get<std::string>("targets").empty()) throw std::invalid_argument("with an .npy `file`, set `targets` to the targets' .npy");
      inputs_ = map_npy(file, "the inputs");
      targets_ = map_npy(p.get<std::string>("targets"), "the targets");
    }
    if (inputs_.dim() == 0 || targets_.dim() == 0 || inputs_.size(0) != targets_.size(0))
      throw std::invalid_argument("inputs and targets must have the same first dimension (one row per sample)");
    input_type_ = served_type(inputs_.scalar_type(), true);
    target_type_ = served_type(targets_.scalar_type(), false);
  }
  int64_t size(hearth::Split split) override { return split == hearth::Split::train ? inputs_.size(0) : 0; }
  hearth::TensorList get(hearth::Split split, int64_t i) override {
    if (split != hearth::Split::train || i < 0 || i >= inputs_.size(0)) throw std::out_of_range("no such sample");
    // Copies: a view would let the mapping's read-only pages escape the dataset.
    return {inputs_[i].to(input_type_, false, /*copy=*/true), targets_[i].to(target_type_, false, /*copy=*/true)};
  }
  std::optional<hearth::TensorList> get_batch(hearth::Split, const std::vector<int64_t>& ids) override {
    torch::Tensor idx = torch::tensor(ids, torch::kInt64);
    return hearth::TensorList{inputs_.index_select(0, idx).to(input_type_), targets_.index_select(0, idx).to(target_type_)};
  }
  std::vector<hearth::TensorSpec> tensors() const override { return {{"input", HEARTH_ROLE_INPUT}, {"target", HEARTH_ROLE_TARGET}}; }

 private:
  torch::Tensor inputs_, targets_;  ///< as stored: over the files' mappings, or an .npz's copy
  torch::ScalarType input_type_ = torch::kFloat32, target_type_ = torch::kInt64;
};

}  // namespace

HEARTH_REGISTER(NpyDataset, "npy", "NumPy arrays from .npy files or an .npz archive",
                "Row i of the inputs and of the targets form sample i. float64 inputs become float32, int32\n"
                "targets int64. Little-endian, C-ordered arrays of float, int, uint8 and bool. .npy files are\n"
                "memory-mapped (they may be larger than RAM; ranks on one machine share the pages); an .npz\n"
                "is read whole.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
