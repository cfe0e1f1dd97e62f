#include "engine/distributed/rank_group.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <thread>

#include "engine/core/error.hpp"
#include "engine/core/torch_compat.hpp"

namespace hearth {
namespace {

/// An exception's message; c10's own without the C++ backtrace it appends.
std::string message_of(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  return e.what();
}

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

/// Called when a collective failed: says which ranks stopped answering, and why this one knows.
using FailureReport = std::function<std::string(const std::string& what, const std::string& detail)>;

class GlooPending : public PendingCollective {
 public:
  GlooPending(c10::intrusive_ptr<c10d::Work> work, std::string what, FailureReport report)
      : work_(std::move(work)), what_(std::move(what)), report_(std::move(report)) {}
  void wait() override {
    try {
      work_->wait();
    } catch (const std::exception& e) {
      throw Error(report_(what_, message_of(e)));
    }
  }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
  std::string what_;
  FailureReport report_;
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
    compat::use_classic_tcpstore(so);
    const std::string where = world.master_addr + ":" + std::to_string(port);
    try {
      store_ = c10::make_intrusive<c10d::TCPStore>(world.master_addr, so);
    } catch (const std::exception& e) {
      throw UsageError(std::string("rank ") + std::to_string(world.rank) + " cannot " +
                       (world.rank == 0 ? "serve" : "reach") + " the rendezvous store at " + where + ": " + message_of(e) +
                       (world.rank == 0 ? "; the port may be in use: set MASTER_PORT or [distributed] port"
                                        : "; is rank 0 running, and MASTER_ADDR its address?"));
    }
    auto gloo = c10d::ProcessGroupGloo::Options::create(timeout);
    const char* iface = std::getenv("GLOO_SOCKET_IFNAME");
    gloo->devices.push_back(iface && *iface ? c10d::ProcessGroupGloo::createDeviceForInterface(iface)
                                            : c10d::ProcessGroupGloo::createDeviceForHostname(
                                                  local_address_towards(world.master_addr, port)));
    gloo->threads = 1;  // ranks share the machine's cores with their own compute threads
    auto prefixed = c10::make_intrusive<c10d::PrefixStore>("gloo", store_);
    group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, world.rank, world.size, gloo);
    publish("rank/" + std::to_string(world.rank), host_name() + ", pid " + std::to_string(::getpid()));
    publish("host/" + std::to_string(world.rank), host_name());
    // Kept from the start: when a rank dies, the store that would tell who it was may die with it.
    for (int r = 0; r < world.size; ++r) {
      names_.push_back("rank " + std::to_string(r) + " (" + read("rank/" + std::to_string(r)) + ")");
      hosts_.push_back(read("host/" + std::to_string(r)));
    }
  }

  std::string describe(int rank) const override { return names_.at(static_cast<size_t>(rank)); }
  const std::string& host(int rank) const override { return hosts_.at(static_cast<size_t>(rank)); }

  const World& world() const override { return world_; }

  void broadcast(std::vector<at::Tensor>& tensors, int root) override {
    if (tensors.empty()) return;
    c10d::BroadcastOptions o;
    o.rootRank = root;
    GlooPending(group_->broadcast(tensors, o), "broadcast from rank " + std::to_string(root), reporter()).wait();
  }

  std::unique_ptr<PendingCollective> start_sum(at::Tensor& tensor) override {
    std::vector<at::Tensor> one{tensor};
    return std::make_unique<GlooPending>(group_->allreduce(one), "all-reduce", reporter());
  }

  void barrier() override { GlooPending(group_->barrier(), "barrier", reporter()).wait(); }

  void publish(const std::string& key, const std::string& value) override {
    store_->set("hearth/" + key, std::vector<uint8_t>(value.begin(), value.end()));
  }

  std::string read(const std::string& key) override {
    try {
      std::vector<uint8_t> v = store_->get("hearth/" + key);
      return std::string(v.begin(), v.end());
    } catch (const std::exception& e) {
      throw Error("rank " + std::to_string(world_.rank) + " waited in vain for '" + key + "' from the other ranks: " + message_of(e));
    }
  }

 private:
  FailureReport reporter() {
    return [this](const std::string& what, const std::string& detail) { return failure(what, detail); };
  }

  /// Which ranks stopped: every survivor says it is alive; whoever does not within a few seconds
  /// is named. When rank 0 is gone, so is the store it served, which names it too.
  std::string failure(const std::string& what, const std::string& detail) {
    const std::string doing = activity().empty() ? what : what + " (" + activity() + ")";
    std::string stopped;
    try {
      store_->set("hearth/alive/" + std::to_string(world_.rank), std::vector<uint8_t>{1});
      auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
      std::vector<int> silent;
      do {
        silent.clear();
        for (int r = 0; r < world_.size; ++r)
          if (r != world_.rank && !store_->check({"hearth/alive/" + std::to_string(r)})) silent.push_back(r);
        if (!silent.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      } while (!silent.empty() && std::chrono::steady_clock::now() < until);
      for (int r : silent) stopped += (stopped.empty() ? "" : ", ") + describe(r);
    } catch (const std::exception&) {
      stopped = describe(0) + ", whose rendezvous store is gone";
    }
    if (stopped.empty()) stopped = "a rank";
    return stopped + " stopped answering while " + describe(world_.rank) + " was in " + doing + ": " + detail +
           ". Its log (hearth.log, hearth.rank-K.log in the run folder) says why; `last` holds the last finished "
           "epoch: continue with `hearth resume RUN --nproc " + std::to_string(world_.size) + "`";
  }

  World world_;
  std::vector<std::string> names_;
  std::vector<std::string> hosts_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};

}  // namespace

std::string RankGroup::activity() const {
  if (activity_ == nullptr) return {};
  std::string out = activity_;
  if (epoch_ > 0) out += ", epoch " + std::to_string(epoch_) + ", batch " + std::to_string(batch_);
  return out;
}

std::unique_ptr<RankGroup> RankGroup::join(const World& world, const DistributedOptions& options) {
  if (options.backend == "nccl")
    throw UsageError("[distributed] backend = \"nccl\": this Hearth is built with Gloo only (Debian's LibTorch has no NCCL); "
                     "use \"auto\" or \"gloo\"");
  return std::make_unique<GlooGroup>(world, options);
}

}  // namespace hearth
