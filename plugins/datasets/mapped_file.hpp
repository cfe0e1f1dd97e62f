// A file mapped read-only into memory, for the datasets that serve samples from files larger than
// RAM (`npy`, `tokens`): the kernel pages the bytes in as samples are read and drops them under
// memory pressure, and every process on the machine that maps the same file shares its pages
// (what NumPy's `np.load(mmap_mode="r")` gives Python users). Header-only: each built-in dataset
// is its own library.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

namespace hearth_datasets {

/// The bytes of one regular file, mapped read-only for as long as any owner holds it. Tensors
/// that view the mapping keep a shared_ptr to it (their deleter), so it outlives every view.
class MappedFile {
 public:
  /// Maps `path`; `what` names the file's role in errors ("the inputs", "train tokens"). Throws
  /// std::invalid_argument for a missing file, a folder, a FIFO or a device (a FIFO would block
  /// and a device has no end), naming the path.
  static std::shared_ptr<const MappedFile> open(const std::string& path, const std::string& what) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
      throw std::invalid_argument("cannot open " + what + " " + path + ": " + std::strerror(errno) +
                                  "; check the dataset's file names");
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      throw std::invalid_argument(what + " " + path + " is not a regular file; name a file of data");
    }
    auto file = std::shared_ptr<MappedFile>(new MappedFile());
    file->size_ = static_cast<size_t>(st.st_size);
    file->path_ = path;
    if (file->size_ > 0) {
      void* p = ::mmap(nullptr, file->size_, PROT_READ, MAP_SHARED, fd, 0);
      if (p == MAP_FAILED) {
        const int e = errno;
        ::close(fd);
        throw std::invalid_argument("cannot map " + what + " " + path + ": " + std::strerror(e));
      }
      file->data_ = static_cast<const uint8_t*>(p);
    }
    ::close(fd);  // the mapping keeps the file open
    return file;
  }
  ~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

  /// Tells the kernel that reads will jump around (shuffled samples), so it reads no pages ahead
  /// that the next sample will not use.
  void expect_random_reads() const {
    if (data_ != nullptr) ::madvise(const_cast<uint8_t*>(data_), size_, MADV_RANDOM);
  }

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

}  // namespace hearth_datasets
