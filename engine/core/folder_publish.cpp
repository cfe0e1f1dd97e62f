#include "engine/core/folder_publish.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/core/atomic_file.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"

namespace hearth {
namespace fs = std::filesystem;
namespace {

const std::string kCreating = ".creating-";

}  // namespace

fs::path preparing_folder(const fs::path& base, const std::string& name) {
  return base / ("." + name + kCreating + std::to_string(::getpid()));
}

void remove_unfinished_folders(const fs::path& base) {
  std::error_code ec;
  for (fs::directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const size_t at = name.rfind(kCreating);
    if (name[0] != '.' || at == std::string::npos) continue;
    const std::string pid = name.substr(at + kCreating.size());
    if (pid.empty() || pid.size() > 10 || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (::kill(static_cast<pid_t>(std::stoll(pid)), 0) == 0 || errno == EPERM) continue;
    std::error_code rm;
    fs::remove_all(it->path(), rm);
  }
}

fs::path publish_folder(const fs::path& prepared, const fs::path& base, const std::string& name, bool numbered) {
  for (int n = 0; n < (numbered ? 1000 : 1); ++n) {
    const fs::path candidate = base / (name + (n ? "-" + std::to_string(n) : ""));
    if (::renameat2(AT_FDCWD, prepared.c_str(), AT_FDCWD, candidate.c_str(), RENAME_NOREPLACE) == 0) {
      sync_folder(base);
      return candidate;
    }
    if (errno != EEXIST && errno != ENOTEMPTY)
      throw Error("cannot create the folder " + printable(candidate.string()) + ": " + std::strerror(errno));
    if (!numbered)
      throw UsageError(printable(candidate.string()) + " exists already: another process made it; nothing was replaced");
  }
  throw Error("cannot find a free folder name under " + printable(base.string()));
}

}  // namespace hearth
