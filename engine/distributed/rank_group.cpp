#include "engine/distributed/rank_group.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <unistd.h>

#include <cstdlib>

#include "engine/core/error.hpp"

namespace hearth {
namespace {

/// The address this machine uses to reach `master`: the one Gloo must listen on so that peers on
/// other machines reach it (the hostname may resolve to loopback, as in network namespaces).
std::string local_address_towards(const std::string& master, int port) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(master.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || found == nullptr)
    throw UsageError("the rendezvous address MASTER_ADDR='" + master + "' does not resolve; give rank 0's IP address");
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  std::string out = "127.0.0.1";
  if (fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0) {
    sockaddr_in local{};
    socklen_t len = sizeof(local);
    char text[INET_ADDRSTRLEN] = {};
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0 && inet_ntop(AF_INET, &local.sin_addr, text, sizeof(text)))
      out = text;
  }
  if (fd >= 0) ::close(fd);
  freeaddrinfo(found);
  return out;
}

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof(name) - 1);
  return name;
}

class GlooPending : public PendingCollective {
 public:
  GlooPending(c10::intrusive_ptr<c10d::Work> work, std::string what) : work_(std::move(work)), what_(std::move(what)) {}
  void wait() override {
    try {
      work_->wait();
    } catch (const std::exception& e) {
      throw Error(what_ + " failed: " + e.what() +
                  "; another rank stopped or cannot be reached (see its log: hearth.rank-K.log in the run folder)");
    }
  }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
  std::string what_;
};

class GlooGroup : public RankGroup {
 public:
  GlooGroup(const World& world, const DistributedOptions& options) : world_(world) {
    const int port = world.master_port > 0 ? world.master_port : options.port;
    const auto timeout = std::chrono::milliseconds(options.timeout_seconds * 1000);
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(port);
    so.isServer = world.rank == 0;
    so.numWorkers = static_cast<size_t>(world.size);
    so.waitWorkers = true;
    so.timeout = timeout;
    const std::string where = world.master_addr + ":" + std::to_string(port);
    try {
      store_ = c10::make_intrusive<c10d::TCPStore>(world.master_addr, so);
    } catch (const std::exception& e) {
      throw UsageError(std::string("rank ") + std::to_string(world.rank) + " cannot " +
                       (world.rank == 0 ? "serve" : "reach") + " the rendezvous store at " + where + ": " + e.what() +
                       (world.rank == 0 ? "; the port may be in use: set MASTER_PORT or [distributed] port"
                                        : "; is rank 0 running, and MASTER_ADDR its address?"));
    }
    auto gloo = c10d::ProcessGroupGloo::Options::create(timeout);
    const char* iface = std::getenv("GLOO_SOCKET_IFNAME");
    gloo->devices.push_back(iface && *iface ? c10d::ProcessGroupGloo::createDeviceForInterface(iface)
                                            : c10d::ProcessGroupGloo::createDeviceForHostname(
                                                  local_address_towards(world.master_addr, port)));
    gloo->threads = 2;
    auto prefixed = c10::make_intrusive<c10d::PrefixStore>("gloo", store_);
    group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, world.rank, world.size, gloo);
    publish("rank/" + std::to_string(world.rank), host_name() + ", pid " + std::to_string(::getpid()));
  }

  const World& world() const override { return world_; }

  void broadcast(std::vector<at::Tensor>& tensors, int root) override {
    if (tensors.empty()) return;
    c10d::BroadcastOptions o;
    o.rootRank = root;
    GlooPending(group_->broadcast(tensors, o), "broadcast from rank " + std::to_string(root)).wait();
  }

  std::unique_ptr<PendingCollective> start_sum(at::Tensor& tensor) override {
    std::vector<at::Tensor> one{tensor};
    return std::make_unique<GlooPending>(group_->allreduce(one), "all-reduce");
  }

  void barrier() override { GlooPending(group_->barrier(), "barrier").wait(); }

  void publish(const std::string& key, const std::string& value) override {
    store_->set("hearth/" + key, std::vector<uint8_t>(value.begin(), value.end()));
  }

  std::string read(const std::string& key) override {
    try {
      std::vector<uint8_t> v = store_->get("hearth/" + key);
      return std::string(v.begin(), v.end());
    } catch (const std::exception& e) {
      throw Error("rank " + std::to_string(world_.rank) + " waited in vain for '" + key + "' from the other ranks: " + e.what());
    }
  }

 private:
  World world_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};

}  // namespace

std::unique_ptr<RankGroup> RankGroup::join(const World& world, const DistributedOptions& options) {
  if (options.backend == "nccl")
    throw UsageError("[distributed] backend = \"nccl\": this Hearth is built with Gloo only (Debian's LibTorch has no NCCL); "
                     "use \"auto\" or \"gloo\"");
  return std::make_unique<GlooGroup>(world, options);
}

std::string describe_rank(RankGroup& group, int rank) {
  return "rank " + std::to_string(rank) + " (" + group.read("rank/" + std::to_string(rank)) + ")";
}

}  // namespace hearth
