// A RankGroup over one of c10d's process groups (Gloo, NCCL): the rendezvous store, the facts
// ranks publish, collectives, and errors that name the rank that stopped. Shared by the Gloo and
// NCCL makers, which alone include their process group's header (each needs its own define).
#pragma once

#include <torch/csrc/distributed/c10d/Store.hpp>
#include <torch/csrc/distributed/c10d/Types.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>
#include <c10/core/Device.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/distributed/rank_group.hpp"

namespace hearth {

/// An exception's message; c10's own without the C++ backtrace it appends.
std::string c10d_message(const std::exception& e);
/// This machine's host name.
std::string host_name();
/// Rank 0 serves the rendezvous store at world.master_addr:port; the others connect to it. Throws
/// UsageError naming the address and what to do.
c10::intrusive_ptr<c10d::Store> connect_store(const World& world, int port, std::chrono::milliseconds timeout);

/// Every rank of `world` marks `point` in the store and waits until all have, or until `timeout`
/// (the join timeout); then throws Error naming (through `name`) the ranks that did not arrive.
void meet_in_store(c10d::Store& store, const World& world, const std::string& point, std::chrono::milliseconds timeout,
                   const std::function<std::string(int)>& name);

/// Called when a collective failed: says which ranks stopped answering, and why this one knows.
using FailureReport = std::function<std::string(const std::string& what, const std::string& detail)>;

/// A collective under way. Where the process group works on the device only (NCCL) and the
/// tensor lives in host memory (the per-step loss and flags), a device copy is reduced and copied
/// back when waited for.
class C10dPending : public PendingCollective {
 public:
  C10dPending(c10::intrusive_ptr<c10d::Work> work, std::string what, FailureReport report, at::Tensor host = {},
              at::Tensor staged = {})
      : work_(std::move(work)), what_(std::move(what)), report_(std::move(report)), host_(std::move(host)),
        staged_(std::move(staged)) {}
  void wait() override {
    try {
      work_->wait();
      if (host_.defined()) host_.copy_(staged_);
    } catch (const std::exception& e) {
      throw Error(report_(what_, c10d_message(e)));
    }
  }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
  std::string what_;
  FailureReport report_;
  at::Tensor host_, staged_;
};

/// `Group` is c10d's ProcessGroupGloo or ProcessGroupNCCL. `device` is where the group's tensors
/// must live: CPU for Gloo (it takes either), this rank's GPU for NCCL.
template <class Group>
class C10dGroup : public RankGroup {
 public:
  C10dGroup(const World& world, c10::intrusive_ptr<c10d::Store> store, c10::intrusive_ptr<Group> group,
            c10::Device device, std::string backend, std::chrono::milliseconds join_timeout)
      : world_(world), store_(std::move(store)), group_(std::move(group)), device_(device), backend_(std::move(backend)),
        join_timeout_(join_timeout) {
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
  const std::string& backend() const override { return backend_; }

  void broadcast(std::vector<at::Tensor>& tensors, int root) override {
    if (tensors.empty()) return;
    c10d::BroadcastOptions o;
    o.rootRank = root;
    std::vector<at::Tensor> staged;
    for (const at::Tensor& t : tensors) staged.push_back(t.device() == device_ ? t : t.to(device_));
    C10dPending(group_->broadcast(staged, o), "broadcast from rank " + std::to_string(root), reporter()).wait();
    for (size_t i = 0; i < tensors.size(); ++i)
      if (!staged[i].is_same(tensors[i])) tensors[i].copy_(staged[i]);
  }

  std::unique_ptr<PendingCollective> start_sum(at::Tensor& tensor) override {
    const bool stage = tensor.device() != device_ && !device_.is_cpu();
    std::vector<at::Tensor> one{stage ? tensor.to(device_) : tensor};
    auto work = group_->allreduce(one);
    return std::make_unique<C10dPending>(work, "all-reduce", reporter(), stage ? tensor : at::Tensor(),
                                         stage ? one[0] : at::Tensor());
  }

  void barrier() override { C10dPending(group_->barrier(), "barrier", reporter()).wait(); }

  void meet(const std::string& point) override {
    meet_in_store(*store_, world_, point, join_timeout_, [this](int r) { return describe(r); });
  }

  void publish(const std::string& key, const std::string& value) override {
    store_->set("hearth/" + key, std::vector<uint8_t>(value.begin(), value.end()));
  }

  std::string read(const std::string& key) override {
    try {
      std::vector<uint8_t> v = store_->get("hearth/" + key);
      return std::string(v.begin(), v.end());
    } catch (const std::exception& e) {
      throw Error("rank " + std::to_string(world_.rank) + " waited in vain for '" + key + "' from the other ranks: " +
                  c10d_message(e));
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
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<Group> group_;
  c10::Device device_;
  std::string backend_;
  std::chrono::milliseconds join_timeout_;
  std::vector<std::string> names_;
  std::vector<std::string> hosts_;
};

}  // namespace hearth
