#include "engine/distributed/local_tensor_sharer.hpp"

#include <ATen/ATen.h>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <vector>
#include <stdexcept>

#include "engine/core/error.hpp"
#include "engine/core/sha256.hpp"

namespace hearth {
namespace {

std::string errno_text() { return std::strerror(errno); }

/// Writable shared pages of one memfd while make() fills them. If the plugin keeps the tensor it
/// filled, the pages turn read-only: a later write would crash it instead of changing its peers'
/// samples.
struct SharedBlock {
  int fd = -1;
  void* base = nullptr;
  size_t bytes = 0;
};

SharedBlock create_block(const std::string& name, size_t bytes) {
  SharedBlock b;
  b.bytes = bytes;
  b.fd = ::memfd_create(name.c_str(), MFD_CLOEXEC);
  if (b.fd < 0) throw Error("memfd_create failed: " + errno_text());
  // fallocate, not ftruncate: a machine short of memory fails here, not with SIGBUS while filling.
  if (bytes > 0 && ::posix_fallocate(b.fd, 0, static_cast<off_t>(bytes)) != 0) {
    ::close(b.fd);
    throw Error("cannot reserve " + std::to_string(bytes >> 20) + " MB of shared memory");
  }
  if (bytes > 0) {
    b.base = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, b.fd, 0);
    if (b.base == MAP_FAILED) {
      ::close(b.fd);
      throw Error("mmap of shared memory failed: " + errno_text());
    }
  }
  return b;
}

/// A tensor over private (copy-on-write) pages of `fd`: shared with every rank that maps it until
/// someone writes. Closes `fd` when the tensor's storage dies if `own_fd`.
at::Tensor map_private(int fd, size_t bytes, at::IntArrayRef shape, const at::TensorOptions& options, bool own_fd) {
  // Mapped read-only first so that MAP_POPULATE fills the page tables with the shared pages (on a
  // writable private mapping it would copy every page); then made writable, copy-on-write. Without
  // populating, each rank took a page fault per page in its first epoch, at different moments on
  // each rank: 30% of the epoch waiting on all-reduces instead of 20% (tests/bench).
  void* base = bytes == 0 ? nullptr : ::mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  if (base == MAP_FAILED) throw Error("mmap of shared memory failed: " + errno_text());
  if (base != nullptr && ::mprotect(base, bytes, PROT_READ | PROT_WRITE) != 0) {
    ::munmap(base, bytes);
    throw Error("mprotect of shared memory failed: " + errno_text());
  }
  return at::from_blob(
      base, shape,
      [bytes, fd, own_fd](void* p) {
        if (p != nullptr) ::munmap(p, bytes);
        if (own_fd) ::close(fd);
      },
      options);
}

class LocalTensorSharer : public TensorSharer {
 public:
  LocalTensorSharer(RankGroup& group, int maker) : group_(group), maker_(maker) {}

  at::Tensor share(const std::string& key, const TensorMaker& make) override {
    const std::string id = sha256_bytes(key).substr(0, 16);
    // Every local rank asks for the same keys in the same order (they run the same job); the count
    // keeps a second request for one key from reading the first one's answer.
    const std::string slot = "shared/" + std::to_string(maker_) + "/" + id + "/" + std::to_string(asked_[id]++);
    if (group_.rank() == maker_) return build(slot, id, make);
    return attach(slot, id, make);
  }

 private:
  at::Tensor build(const std::string& slot, const std::string& id, const TensorMaker& make) {
    SharedBlock block;
    const TensorAlloc alloc = [&](at::IntArrayRef shape, const at::TensorOptions& options) {
      if (block.fd >= 0) throw std::logic_error("make() asked for shared memory twice");
      size_t bytes = options.dtype().itemsize();
      for (int64_t d : shape) bytes *= static_cast<size_t>(d);
      block = create_block("hearth-" + id, bytes);
      SharedBlock b = block;
      return at::from_blob(block.base, shape, [b](void*) { release(b); }, options);
    };
    at::Tensor made;
    try {
      made = make(alloc);
    } catch (...) {
      group_.publish(slot, "failed");  // the others make their own and report their own error
      throw;
    }
    int fd = -1;
    if (block.fd >= 0 && made.data_ptr() == block.base && made.is_contiguous() && made.device().is_cpu()) {
      ::mprotect(block.base, block.bytes, PROT_READ);  // the plugin may keep the tensor it filled
      fd = ::dup(block.fd);  // block.fd closes with that tensor's storage
      if (fd < 0) throw Error("dup of shared memory failed: " + errno_text());
    } else {
      block = copy_into_block(made, id);
      fd = block.fd;
    }
    at::Tensor mine = map_private(fd, block.bytes, made.sizes(), made.options().device(at::kCPU), true);
    spdlog::info("made a shared tensor of {} MB for the ranks on this machine", block.bytes >> 20);
    group_.publish(slot, nlohmann::json{{"pid", ::getpid()}, {"fd", fd}, {"bytes", block.bytes},
                                        {"shape", made.sizes().vec()}, {"dtype", static_cast<int>(made.scalar_type())}}
                             .dump());
    return mine;
  }

  /// A block holding `t`'s values, for a make() that did not fill the memory it was offered.
  static SharedBlock copy_into_block(const at::Tensor& t, const std::string& id) {
    const at::Tensor c = t.to(at::kCPU).contiguous();
    SharedBlock b = create_block("hearth-" + id, c.nbytes());
    if (b.bytes > 0) std::memcpy(b.base, c.data_ptr(), b.bytes);
    ::munmap(b.base, b.bytes);
    b.base = nullptr;
    return b;
  }

  static void release(const SharedBlock& b) {
    if (b.base != nullptr) ::munmap(b.base, b.bytes);
    if (b.fd >= 0) ::close(b.fd);
  }

  at::Tensor attach(const std::string& slot, const std::string& id, const TensorMaker& make) {
    const std::string announced = group_.read(slot);
    if (announced == "failed") return make_here(make, "rank " + std::to_string(maker_) + " could not make it");
    const auto facts = nlohmann::json::parse(announced);
    const std::string path = "/proc/" + std::to_string(facts.at("pid").get<int>()) + "/fd/" +
                             std::to_string(facts.at("fd").get<int>());
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_here(make, "cannot open rank " + std::to_string(maker_) + "'s copy " + path + ": " + errno_text());
    const auto bytes = facts.at("bytes").get<size_t>();
    const std::string why = check_block(fd, path, id, bytes);
    if (!why.empty()) {
      ::close(fd);
      return make_here(make, why);
    }
    const auto options = at::TensorOptions().dtype(static_cast<at::ScalarType>(facts.at("dtype").get<int>()));
    at::Tensor t = map_private(fd, bytes, facts.at("shape").get<std::vector<int64_t>>(), options, false);
    ::close(fd);  // the mapping keeps the pages
    spdlog::info("mapped rank {}'s copy of a shared tensor ({} MB)", maker_, bytes >> 20);
    return t;
  }

  /// Why the file behind `fd` is not the announced block ("" when it is): rank 0 may have closed
  /// it and reused the descriptor number by the time this rank looks.
  static std::string check_block(int fd, const std::string& path, const std::string& id, size_t bytes) {
    std::array<char, 512> target{};
    const ssize_t n = ::readlink(path.c_str(), target.data(), target.size() - 1);
    if (n < 0 || std::string(target.data(), static_cast<size_t>(n)).find("memfd:hearth-" + id) == std::string::npos)
      return path + " is no longer the announced copy";
    struct stat st {};
    if (::fstat(fd, &st) != 0 || static_cast<size_t>(st.st_size) != bytes)
      return path + " has another size than announced";
    return {};
  }

  at::Tensor make_here(const TensorMaker& make, const std::string& why) {
    spdlog::warn("rank {} keeps its own copy of a shared dataset tensor ({}); memory use grows by that copy",
                 group_.rank(), why);
    return make([](at::IntArrayRef shape, const at::TensorOptions& options) { return at::empty(shape, options); });
  }

  RankGroup& group_;
  int maker_;  ///< the lowest rank on this host, which makes every shared tensor here
  std::map<std::string, int> asked_;
};

}  // namespace

std::unique_ptr<TensorSharer> local_tensor_sharer(RankGroup& group) {
  const std::string& mine = group.host(group.rank());
  std::vector<int> here;
  for (int r = 0; r < group.size(); ++r)
    if (group.host(r) == mine) here.push_back(r);
  if (here.size() < 2) return nullptr;
  return std::make_unique<LocalTensorSharer>(group, here.front());
}

}  // namespace hearth
