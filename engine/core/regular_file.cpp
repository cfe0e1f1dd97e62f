#include "engine/core/regular_file.hpp"

#include <sys/stat.h>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"

namespace hearth {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

}  // namespace

void require_regular_file(const std::filesystem::path& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw UsageError(what + " " + printable(path.string()) + " does not exist");
  if (!S_ISREG(st.st_mode))
    throw UsageError(what + " " + printable(path.string()) + " is " + kind_of(st.st_mode) + ", not a regular file");
}

}  // namespace hearth
