// Shared tensors (hearth_host_api.shared_tensor): in one process a tensor is made in ordinary
// memory; two ranks of a group on one machine keep one copy, made by the lower rank and mapped by
// the other, and a rank that cannot use that copy makes its own. The ranks are real processes:
// this test binary started twice with a launcher's variables, joined by a TCPStore on loopback.
#include "unit/catch.hpp"

#include <ATen/ATen.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/distributed/local_tensor_sharer.hpp"
#include "engine/distributed/rank_group.hpp"
#include "engine/distributed/world.hpp"
#include "engine/params/host_keys.hpp"
#include "engine/runtime/shared_tensors.hpp"
#include "engine/core/loopback_port.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

constexpr int64_t kRows = 1000, kCols = 256;

/// The line of /proc/self/maps whose range holds `p`: its path and inode say which file backs it.
std::string mapping_of(const void* p) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  const auto at = reinterpret_cast<uintptr_t>(p);
  while (std::getline(maps, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream in(line);
    in >> std::hex >> lo >> dash >> hi;
    if (at >= lo && at < hi) return line;
  }
  return {};
}

/// "inode path" of a maps line (the fields after the device).
std::string backing(const std::string& maps_line) {
  std::istringstream in(maps_line);
  std::string range, perms, offset, device, inode, path;
  in >> range >> perms >> offset >> device >> inode;
  std::getline(in, path);
  return inode + path;
}

at::Tensor make_values(const TensorAlloc& alloc) {
  at::Tensor x = alloc({kRows, kCols}, at::TensorOptions().dtype(at::kFloat));
  return x.copy_(at::arange(kRows * kCols, at::kFloat).view({kRows, kCols}));
}

const double kSum = double(kRows * kCols) * double(kRows * kCols - 1) / 2;

std::string self_exe() { return fs::read_symlink("/proc/self/exe").string(); }

/// Starts this binary twice as ranks 0 and 1 of a group running "one rank sharing a tensor".
std::vector<nlohmann::json> two_ranks(const std::string& mode, const TempDir& dir) {
  const std::string port = std::to_string(free_loopback_port());
  std::string command;
  for (int r = 0; r < 2; ++r) {
    command += "env RANK=" + std::to_string(r) + " WORLD_SIZE=2 LOCAL_RANK=" + std::to_string(r) +
               " LOCAL_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + port + " HEARTH_SHARER_MODE=" + mode +
               " HEARTH_SHARER_OUT='" + dir.path().string() + "' '" + self_exe() + "' 'one rank sharing a tensor' >'" +
               (dir / ("rank-" + std::to_string(r) + ".log")).string() + "' 2>&1" + (r == 0 ? " & " : "; wait");
  }
  run_command(command);
  std::vector<nlohmann::json> out;
  for (int r = 0; r < 2; ++r) {
    const fs::path result = dir / ("rank-" + std::to_string(r) + ".json");
    INFO(read_text(dir / ("rank-" + std::to_string(r) + ".log")));
    REQUIRE(fs::exists(result));
    out.push_back(nlohmann::json::parse(read_text(result)));
  }
  return out;
}

}  // namespace

// Not discovered by CTest (hidden): the body of each rank that the tests below start.
TEST_CASE("one rank sharing a tensor", "[.][sharing-rank]") {
  const char* out = std::getenv("HEARTH_SHARER_OUT");
  const std::string mode = std::getenv("HEARTH_SHARER_MODE") ? std::getenv("HEARTH_SHARER_MODE") : "";
  REQUIRE(out != nullptr);
  const World world = detect_world([](const char* name) { return std::getenv(name); });
  DistributedOptions options = distributed_keys().defaults();
  options.timeout_seconds = 30;
  auto group = RankGroup::join(world, options, "cpu");
  auto sharer = local_tensor_sharer(*group);
  REQUIRE(sharer != nullptr);
  SharingScope scope(std::move(sharer));

  nlohmann::json result;
  int made = 0;
  at::Tensor t;
  try {
    t = shared_tensor("values", [&](const TensorAlloc& alloc) {
      ++made;
      if (mode == "maker-fails" && group->rank() == 0) throw std::runtime_error("no data on this rank");
      if (mode == "own-memory") return at::arange(kRows * kCols, at::kFloat).view({kRows, kCols});
      return make_values(alloc);
    });
  } catch (const std::exception& e) {
    result["error"] = e.what();
  }
  result["made"] = made;
  if (t.defined()) {
    result["sum"] = t.sum(at::kDouble).item<double>();
    result["mapping"] = backing(mapping_of(t.data_ptr()));
  }
  group->barrier();
  if (t.defined() && group->rank() == 1) t.fill_(-1);  // must stay in rank 1
  group->barrier();
  if (t.defined()) result["sum_after"] = t.sum(at::kDouble).item<double>();
  std::ofstream(fs::path(out) / ("rank-" + std::to_string(group->rank()) + ".json")) << result.dump();
}

TEST_CASE("one process makes a shared tensor itself in ordinary memory", "[sharing]") {
  int made = 0;
  at::Tensor t = shared_tensor("values", [&](const TensorAlloc& alloc) {
    ++made;
    return make_values(alloc);
  });
  CHECK(made == 1);
  CHECK(t.sum(at::kDouble).item<double>() == kSum);
  CHECK(backing(mapping_of(t.data_ptr())).find("memfd:") == std::string::npos);
}

TEST_CASE("two ranks on one machine keep one copy of a shared tensor", "[sharing][distributed]") {
  TempDir dir;
  SECTION("the lower rank fills shared memory, the other maps those pages and writes stay private") {
    auto r = two_ranks("fill", dir);
    CHECK(r[0]["made"] == 1);
    CHECK(r[1]["made"] == 0);
    CHECK(r[0]["sum"] == kSum);
    CHECK(r[1]["sum"] == kSum);
    const std::string mapping = r[0]["mapping"];
    CHECK(mapping.find("memfd:hearth-") != std::string::npos);
    CHECK(r[1]["mapping"] == mapping);  // the same inode: one copy
    CHECK(r[0]["sum_after"] == kSum);   // rank 1's write did not reach rank 0
    CHECK(r[1]["sum_after"] == -double(kRows * kCols));
  }
  SECTION("a maker that returns its own memory is copied into the shared block once") {
    auto r = two_ranks("own-memory", dir);
    CHECK(r[0]["made"] == 1);
    CHECK(r[1]["made"] == 0);
    CHECK(r[1]["sum"] == kSum);
    CHECK(std::string(r[1]["mapping"]).find("memfd:hearth-") != std::string::npos);
    CHECK(r[1]["mapping"] == r[0]["mapping"]);
  }
  SECTION("when the maker fails, the other rank makes its own copy and says so") {
    auto r = two_ranks("maker-fails", dir);
    CHECK(std::string(r[0]["error"]).find("no data on this rank") != std::string::npos);
    CHECK(r[1]["made"] == 1);
    CHECK(r[1]["sum"] == kSum);
    CHECK(std::string(r[1]["mapping"]).find("memfd:") == std::string::npos);
    CHECK(read_text(dir / "rank-1.log").find("keeps its own copy") != std::string::npos);
  }
}
