#include "engine/data/loader_threads.hpp"

#include <ATen/Parallel.h>
#include <dlfcn.h>

namespace hearth {

void use_one_intraop_thread() {
  at::get_num_threads();  // ATen's lazy per-thread initialisation first, or it would undo this
  // OpenMP's thread count is per thread; ATen has no per-thread setter, so the runtime LibTorch
  // loaded (libgomp, or the renamed copy in official builds) is asked directly.
  using SetThreads = void (*)(int);
  static const auto set_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  if (set_threads != nullptr) set_threads(1);
}

}  // namespace hearth
