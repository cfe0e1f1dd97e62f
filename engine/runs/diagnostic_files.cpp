#include "engine/runs/diagnostic_files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace hearth {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kMaxEpoch = 1'000'000'000;

/// The epoch of "epoch-NNN.png" (three or more digits, as fmt's {:03d} writes them), or -1.
int64_t epoch_of_picture(const std::string& file) {
  constexpr std::string_view prefix = "epoch-", suffix = ".png";
  if (file.size() < prefix.size() + 3 + suffix.size() || file.compare(0, prefix.size(), prefix) != 0 ||
      file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0)
    return -1;
  const std::string digits = file.substr(prefix.size(), file.size() - prefix.size() - suffix.size());
  if (digits.size() > 10 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return -1;
  const int64_t epoch = std::stoll(digits);
  if (epoch < 1 || epoch > kMaxEpoch || fmt::format("{:03d}", epoch) != digits) return -1;
  return epoch;
}

/// A diagnostic's name as the host gives them ([A-Za-z0-9_.-], not hidden).
bool plain_name(const std::string& name) {
  return !name.empty() && name.front() != '.' && name.size() <= 128 &&
         std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-' || c == '.'; });
}

}  // namespace

fs::path diagnostic_picture_file(const fs::path& run, const std::string& name, int64_t epoch) {
  return run / "diagnostics" / name / fmt::format("epoch-{:03d}.png", epoch);
}

fs::path diagnostic_tensor_file(const fs::path& run, const std::string& name, int64_t epoch, const std::string& what) {
  return run / "diagnostics" / name / fmt::format("epoch-{:03d}.{}.npy", epoch, what);
}

fs::path diagnostic_scalars_file(const fs::path& run) { return run / "diagnostics" / "scalars.csv"; }

std::vector<DiagnosticPictures> list_diagnostic_pictures(const fs::path& run) {
  std::vector<DiagnosticPictures> out;
  std::error_code ec;
  const fs::path root = run / "diagnostics";
  if (fs::is_symlink(root, ec) || !fs::is_directory(root, ec)) return out;
  for (const fs::directory_entry& folder : fs::directory_iterator(root, ec)) {
    const std::string name = folder.path().filename().string();
    if (!plain_name(name) || folder.is_symlink(ec) || !folder.is_directory(ec)) continue;
    DiagnosticPictures pictures;
    pictures.name = name;
    std::vector<std::pair<int64_t, std::string>> found;
    for (const fs::directory_entry& file : fs::directory_iterator(folder.path(), ec)) {
      const int64_t epoch = epoch_of_picture(file.path().filename().string());
      if (epoch < 0 || file.is_symlink(ec) || !file.is_regular_file(ec)) continue;
      found.emplace_back(epoch, "diagnostics/" + name + "/" + file.path().filename().string());
    }
    if (found.empty()) continue;
    std::sort(found.begin(), found.end());
    for (auto& [epoch, file] : found) {
      pictures.epochs.push_back(epoch);
      pictures.files.push_back(std::move(file));
    }
    out.push_back(std::move(pictures));
  }
  std::sort(out.begin(), out.end(), [](const DiagnosticPictures& a, const DiagnosticPictures& b) { return a.name < b.name; });
  return out;
}

}  // namespace hearth
