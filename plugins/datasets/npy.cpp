// `npy`: NumPy arrays, as two .npy files or one .npz archive (read with libarchive).
#include <archive.h>
#include <archive_entry.h>
#include <hearth/plugin.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace {

/// The array of an .npy image (format 1.0-3.0) as a tensor viewing `bytes`, which must outlive
/// it; `what` names it in errors.
torch::Tensor view_npy(const std::string& bytes, const std::string& what) {
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw std::invalid_argument(what + " is not a .npy array");
  int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8;
    offset = 10;
  } else {
    if (bytes.size() < 12) throw std::invalid_argument(what + " is truncated");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  }
  if (bytes.size() < offset + header_len) throw std::invalid_argument(what + " is truncated (header)");
  std::string header = bytes.substr(offset, header_len);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([<>|=])([a-z])([0-9]+)'")))
    throw std::invalid_argument(what + ": unsupported dtype in header " + header);
  std::string order = m[1], kind = m[2];
  int width = std::stoi(m[3]);
  if (order == ">") throw std::invalid_argument(what + ": big-endian arrays are not supported; save with dtype '<...'");
  if (header.find("'fortran_order': True") != std::string::npos)
    throw std::invalid_argument(what + ": Fortran-ordered arrays are not supported; save np.ascontiguousarray(a)");
  std::map<std::string, torch::ScalarType> types = {{"f4", torch::kFloat32}, {"f8", torch::kFloat64}, {"i8", torch::kInt64},
                                                     {"i4", torch::kInt32},   {"i2", torch::kInt16},   {"u1", torch::kUInt8},
                                                     {"i1", torch::kInt8},    {"b1", torch::kBool}};
  auto type = types.find(kind + std::to_string(width));
  if (type == types.end()) throw std::invalid_argument(what + ": dtype " + kind + std::to_string(width) + " is not supported");
  std::vector<int64_t> shape;
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)"))) throw std::invalid_argument(what + ": no shape in header");
  std::string dims = m[1];
  static const std::regex number("[0-9]+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) shape.push_back(std::stoll(it->str()));
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  size_t data = offset + header_len;
  if (bytes.size() < data + static_cast<size_t>(count * width))
    throw std::invalid_argument(what + " is truncated: " + std::to_string(bytes.size() - data) + " of " +
                                std::to_string(count * width) + " data bytes");
  return torch::from_blob(const_cast<char*>(bytes.data() + data), shape, type->second);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot open " + path + "; check the dataset's file names");
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
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

/// Inputs or targets (from an .npy file, or from `member` of an .npz when it is not empty), one
/// copy per machine however many ranks train: float64 inputs become float32, int32 targets int64.
torch::Tensor load_array(const std::string& file, const std::string& member, bool inputs) {
  const std::string key = std::string(inputs ? "inputs " : "targets ") + std::filesystem::absolute(file).string() +
                          (member.empty() ? "" : ":" + member);
  return hearth::shared_tensor(key, [&](const hearth::SharedAlloc& alloc) {
    const std::string bytes =
        member.empty() ? read_file(file) : read_npz_member(file, member, inputs ? "input_key" : "target_key");
    const torch::Tensor view = view_npy(bytes, member.empty() ? file : file + ":" + member);
    torch::ScalarType type = view.scalar_type();
    if (inputs && type == torch::kFloat64) type = torch::kFloat32;
    if (!inputs && type == torch::kInt32) type = torch::kInt64;
    return alloc(view.sizes(), type).copy_(view);
  });
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
      inputs_ = load_array(file, p.get<std::string>("input_key"), true);
      targets_ = load_array(file, p.get<std::string>("target_key"), false);
    } else {
      if (p.get<std::string>("targets").empty()) throw std::invalid_argument("with an .npy `file`, set `targets` to the targets' .npy");
      inputs_ = load_array(file, "", true);
      targets_ = load_array(p.get<std::string>("targets"), "", false);
    }
    if (inputs_.dim() == 0 || targets_.dim() == 0 || inputs_.size(0) != targets_.size(0))
      throw std::invalid_argument("inputs and targets must have the same first dimension (one row per sample)");
  }
  int64_t size(hearth::Split split) override { return split == hearth::Split::train ? inputs_.size(0) : 0; }
  hearth::TensorList get(hearth::Split split, int64_t i) override {
    if (split != hearth::Split::train || i < 0 || i >= inputs_.size(0)) throw std::out_of_range("no such sample");
    return {inputs_[i], targets_[i]};
  }
  std::optional<hearth::TensorList> get_batch(hearth::Split, const std::vector<int64_t>& ids) override {
    torch::Tensor idx = torch::tensor(ids, torch::kInt64);
    return hearth::TensorList{inputs_.index_select(0, idx), targets_.index_select(0, idx)};
  }
  std::vector<hearth::TensorSpec> tensors() const override { return {{"input", HEARTH_ROLE_INPUT}, {"target", HEARTH_ROLE_TARGET}}; }

 private:
  torch::Tensor inputs_, targets_;
};

}  // namespace

HEARTH_REGISTER(NpyDataset, "npy", "NumPy arrays from .npy files or an .npz archive",
                "Row i of the inputs and of the targets form sample i. float64 inputs become float32, int32\n"
                "targets int64. Little-endian, C-ordered arrays of float, int, uint8 and bool.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
