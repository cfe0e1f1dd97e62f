// The CPUs this process may run on (its affinity mask, which a Slurm or cgroup cpuset narrows):
// what `hearth run --nproc` shares out among its ranks, and what a rank logs it is bound to.
#pragma once

#include <string>
#include <vector>

namespace hearth {

/// The CPU numbers of this process's affinity mask, ascending; empty when it cannot be read.
std::vector<int> allowed_cpus();

/// "0-3,8" for {0, 1, 2, 3, 8}: consecutive CPUs as ranges.
std::string cpu_ranges(const std::vector<int>& cpus);

}  // namespace hearth
