// The processes of one job joined through c10d: a TCPStore served by rank 0 for the rendezvous
// and small facts (the run folder, the job's hash), and a Gloo or NCCL process group for
// collectives. c10d's process group headers stay in the distributed library's sources, which
// alone are compiled with USE_C10D_GLOO / USE_C10D_NCCL.
#pragma once

#include <ATen/Tensor.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "engine/distributed/world.hpp"
#include "engine/params/host_options.hpp"

namespace hearth {

/// A collective under way; wait() returns when it is done, or throws Error naming the group's
/// peers when one fails or the timeout passes.
class PendingCollective {
 public:
  virtual ~PendingCollective() = default;
  virtual void wait() = 0;
};

class RankGroup {
 public:
  /// Joins the group of `world`: rank 0 serves the store at master_addr:port, every rank waits
  /// up to the join timeout for the others. Throws UsageError for a port in use or a master that
  /// cannot be reached, naming the address and what to do. `device` is where this rank trains
  /// ("cpu", "cuda", "cuda:1"): backend "auto" takes NCCL when each rank of this machine has a
  /// GPU of its own and the build has NCCL, else Gloo; "nccl" where it cannot run is a UsageError.
  static std::unique_ptr<RankGroup> join(const World& world, const DistributedOptions& options,
                                         const std::string& device);
  virtual ~RankGroup() = default;

  virtual const World& world() const = 0;
  /// "gloo" or "nccl".
  virtual const std::string& backend() const = 0;
  int rank() const { return world().rank; }
  int size() const { return world().size; }

  /// `tensors` (on every rank the same shapes) take rank `root`'s values.
  virtual void broadcast(std::vector<at::Tensor>& tensors, int root) = 0;
  /// Sums `tensor` over all ranks, in place, in the background.
  virtual std::unique_ptr<PendingCollective> start_sum(at::Tensor& tensor) = 0;
  /// Sums in place and waits.
  void sum(at::Tensor& tensor) { start_sum(tensor)->wait(); }
  virtual void barrier() = 0;
  /// Waits, up to the join timeout rather than the step timeout, until every rank has reached
  /// `point` ("training starts"): ranks set up at different speeds, and a collective waiting on a
  /// rank that is still opening its data would otherwise be taken for a hang. Throws Error naming
  /// the ranks that did not arrive.
  virtual void meet(const std::string& point) = 0;

  /// A fact every rank can read: set by one, read (waiting up to the timeout) by the others.
  virtual void publish(const std::string& key, const std::string& value) = 0;
  virtual std::string read(const std::string& key) = 0;

  /// What this rank is doing, for the error when a collective fails: "training" at epoch and
  /// batch (1-based), or "scoring the valid split". Stores only; a step pays no formatting.
  void set_activity(const char* what, int64_t epoch = 0, int64_t batch = 0) {
    activity_ = what;
    epoch_ = epoch;
    batch_ = batch;
  }
  /// "training, epoch 2, batch 14"; empty before the first set_activity.
  std::string activity() const;

  /// "rank 1 (host b, pid 4242)": how errors name a peer, from what it published when joining.
  virtual std::string describe(int rank) const = 0;
  /// The host name `rank` reported when joining.
  virtual const std::string& host(int rank) const = 0;

 private:
  const char* activity_ = nullptr;
  int64_t epoch_ = 0, batch_ = 0;
};

}  // namespace hearth
