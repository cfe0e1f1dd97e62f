#include "engine/distributed/rank_group.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/cuda.h>
#include <unistd.h>

#include <cstdlib>

#include "engine/core/error.hpp"
#include "engine/core/torch_compat.hpp"
#include "engine/distributed/c10d_group.hpp"
#include "engine/distributed/nccl_group.hpp"

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

std::unique_ptr<RankGroup> join_gloo(const World& world, c10::intrusive_ptr<c10d::Store> store, int port,
                                     std::chrono::milliseconds timeout, std::chrono::milliseconds join_timeout) {
  // Gloo connects its mesh under the step timeout: every rank is here first, so it is quick.
  meet_in_store(*store, world, "the group's connections", join_timeout, [](int r) { return "rank " + std::to_string(r); });
  auto gloo = c10d::ProcessGroupGloo::Options::create(timeout);
  const char* iface = std::getenv("GLOO_SOCKET_IFNAME");
  gloo->devices.push_back(iface && *iface ? c10d::ProcessGroupGloo::createDeviceForInterface(iface)
                                          : c10d::ProcessGroupGloo::createDeviceForHostname(
                                                local_address_towards(world.master_addr, port)));
  gloo->threads = 1;  // ranks share the machine's cores with their own compute threads
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>("gloo", store);
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  try {
    group = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, world.rank, world.size, gloo);
  } catch (const std::exception& e) {
    throw Error("rank " + std::to_string(world.rank) + " cannot connect Gloo to the other ranks: " + c10d_message(e) +
                "; do the machines reach each other on every port (or set GLOO_SOCKET_IFNAME to the interface "
                "they share)?");
  }
  return std::make_unique<C10dGroup<c10d::ProcessGroupGloo>>(world, store, group, c10::Device(c10::kCPU), "gloo",
                                                             join_timeout);
}

/// "gloo" or "nccl" for this rank. `auto` takes NCCL where it can run: on a GPU, with a GPU of
/// its own for each rank of the machine, in a build that has it. `nccl` asked for where it cannot
/// run is refused here, before the store is served, with what to do.
std::string choose_backend(const DistributedOptions& options, const std::string& device, const World& world) {
  const bool on_gpu = c10::Device(device).is_cuda();
  const int gpus = on_gpu ? static_cast<int>(torch::cuda::device_count()) : 0;
  const std::string absent = nccl_absent_reason();
  if (options.backend == "auto") return on_gpu && world.local_size <= gpus && absent.empty() ? "nccl" : "gloo";
  if (options.backend != "nccl") return options.backend;
  const std::string asked = "[distributed] backend = \"nccl\"";
  if (!absent.empty()) throw UsageError(asked + ": this Hearth was built without NCCL (" + absent + "); use \"auto\" or \"gloo\"");
  if (!on_gpu)
    throw UsageError(asked + " needs the job on a GPU, but it runs on " + device +
                     "; set [job] device = \"cuda\" (or \"auto\" on a machine with a GPU), or use backend = \"gloo\"");
  if (world.local_size > gpus)
    throw UsageError(asked + " needs a GPU for each rank of a machine, but " + std::to_string(world.local_size) +
                     " ranks here share " + std::to_string(gpus) +
                     " GPU(s); start as many ranks as GPUs, or use backend = \"gloo\" (or \"auto\")");
  return "nccl";
}

}  // namespace

std::string c10d_message(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  return e.what();
}

void meet_in_store(c10d::Store& store, const World& world, const std::string& point, std::chrono::milliseconds timeout,
                   const std::function<std::string(int)>& name) {
  const auto key = [&](int r) { return "hearth/meet/" + point + "/" + std::to_string(r); };
  store.set(key(world.rank), std::vector<uint8_t>{1});
  std::vector<std::string> keys;
  for (int r = 0; r < world.size; ++r) keys.push_back(key(r));
  try {
    store.wait(keys, timeout);
    return;
  } catch (const std::exception&) {
  }
  std::string missing;
  try {
    for (int r = 0; r < world.size; ++r)
      if (!store.check({key(r)})) missing += (missing.empty() ? "" : ", ") + name(r);
  } catch (const std::exception&) {
    missing = name(0) + ", whose rendezvous store is gone,";
  }
  if (missing.empty()) missing = "a rank";
  throw Error(missing + " did not reach " + point + " within " + std::to_string(timeout.count() / 1000) +
              " s ([distributed] join_timeout_seconds) while rank " + std::to_string(world.rank) +
              " waited: its log (hearth.log, hearth.rank-K.log in the run folder, or the launcher's output) says "
              "why; raise join_timeout_seconds if its setup is only slow");
}

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof(name) - 1);
  return name;
}

c10::intrusive_ptr<c10d::Store> connect_store(const World& world, int port, std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions so;
  so.port = static_cast<uint16_t>(port);
  so.isServer = world.rank == 0;
  so.numWorkers = static_cast<size_t>(world.size);
  so.waitWorkers = false;  // the first meeting waits for them, and names a rank that never came
  so.timeout = timeout;
  compat::use_classic_tcpstore(so);
  const std::string where = world.master_addr + ":" + std::to_string(port);
  try {
    return c10::make_intrusive<c10d::TCPStore>(world.master_addr, so);
  } catch (const std::exception& e) {
    throw UsageError(std::string("rank ") + std::to_string(world.rank) + " cannot " +
                     (world.rank == 0 ? "serve" : "reach") + " the rendezvous store at " + where + ": " + c10d_message(e) +
                     (world.rank == 0 ? "; the port may be in use: set MASTER_PORT or [distributed] port"
                                      : "; is rank 0 running, and MASTER_ADDR its address?"));
  }
}

std::string RankGroup::activity() const {
  if (activity_ == nullptr) return {};
  std::string out = activity_;
  if (epoch_ > 0) out += ", epoch " + std::to_string(epoch_) + ", batch " + std::to_string(batch_);
  return out;
}

std::unique_ptr<RankGroup> RankGroup::join(const World& world, const DistributedOptions& options,
                                           const std::string& device) {
  const std::string backend = choose_backend(options, device, world);
  const int port = world.master_port > 0 ? world.master_port : options.port;
  const auto timeout = std::chrono::milliseconds(options.timeout_seconds * 1000);
  const auto join_timeout = std::chrono::milliseconds(options.join_timeout_seconds * 1000);
  // The store keeps the join timeout: it only carries the rendezvous and the facts ranks publish
  // while they start; collectives run under the step timeout.
  c10::intrusive_ptr<c10d::Store> store = connect_store(world, port, join_timeout);
  if (backend == "nccl") return join_nccl(world, options, store, device);
  return join_gloo(world, store, port, timeout, join_timeout);
}

}  // namespace hearth
