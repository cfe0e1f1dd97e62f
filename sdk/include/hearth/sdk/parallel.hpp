// A parallel loop on LibTorch's own threads for plugin code. at::parallel_for is a template whose
// OpenMP version is compiled into the plugin: without -fopenmp (Hearth's build, and Clang, whose
// OpenMP is another runtime, libomp, with threads of its own) it quietly runs on one thread.
// hearth::parallel_for runs the same split on the OpenMP team LibTorch uses, through libgomp's
// entry point GOMP_parallel (what GCC emits for `#pragma omp parallel`; LLVM's libomp offers it
// too), found at run time among LibTorch's own libraries, so it needs no compiler flag and no
// link option. Where there is none (a LibTorch built with another thread pool), at::parallel_for
// is already a call into LibTorch and is used as is.
#pragma once

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <mutex>

namespace hearth {

namespace detail {

/// libgomp's entry points, looked up once among the libraries LibTorch itself loaded.
struct OpenMpEntry {
  void (*parallel)(void (*fn)(void*), void* data, unsigned threads, unsigned flags) = nullptr;
  int (*thread_num)() = nullptr;
  int (*num_threads)() = nullptr;

  static const OpenMpEntry& get() {
    static const OpenMpEntry entry = [] {
      OpenMpEntry e;
      Dl_info info{};
      // LibTorch's library, by one of its functions: dlsym on it searches what it depends on.
      if (dladdr(reinterpret_cast<void*>(&at::get_num_threads), &info) == 0 || info.dli_fname == nullptr) return e;
      void* torch = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
      if (torch == nullptr) return e;
      e.parallel = reinterpret_cast<decltype(e.parallel)>(dlsym(torch, "GOMP_parallel"));
      e.thread_num = reinterpret_cast<decltype(e.thread_num)>(dlsym(torch, "omp_get_thread_num"));
      e.num_threads = reinterpret_cast<decltype(e.num_threads)>(dlsym(torch, "omp_get_num_threads"));
      dlclose(torch);  // only drops the count dlopen added: LibTorch stays loaded
      if (!e.thread_num || !e.num_threads) e.parallel = nullptr;
      return e;
    }();
    return entry;
  }
};

template <class F>
struct ParallelJob {
  const OpenMpEntry* omp;
  int64_t begin, end, chunk, parts;
  const F* f;
  std::once_flag failed;
  std::exception_ptr error;

  /// One thread's parts: the team may hold fewer threads than asked for, never more.
  static void run(void* p) {
    auto& job = *static_cast<ParallelJob*>(p);
    const int64_t threads = job.omp->num_threads();
    for (int64_t k = job.omp->thread_num(); k < job.parts; k += threads) {
      const int64_t from = job.begin + job.chunk * k, to = std::min(job.end, from + job.chunk);
      if (from >= to) continue;
      try {
        (*job.f)(from, to);
      } catch (...) {
        std::call_once(job.failed, [&] { job.error = std::current_exception(); });
        return;
      }
    }
  }
};

}  // namespace detail

/// f(b, e) over consecutive parts of [begin, end) on LibTorch's intra-op threads, split as
/// at::parallel_for splits: min(at::get_num_threads(), ceil(length / grain)) equal parts, so a
/// range shorter than `grain` runs here in one call, as it does inside a parallel region. The
/// first exception a part throws is thrown here.
/// Thread-local state (grad mode among it) is each thread's own: set it inside f.
template <class F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const F& f) {
  if (begin >= end) return;
  const detail::OpenMpEntry& omp = detail::OpenMpEntry::get();
  const int64_t parts = std::min<int64_t>(at::get_num_threads(), (end - begin + grain - 1) / std::max<int64_t>(grain, 1));
  if (parts <= 1 || at::in_parallel_region()) {
    f(begin, end);
    return;
  }
  if (omp.parallel == nullptr) {
    at::parallel_for(begin, end, grain, f);
    return;
  }
  const int64_t chunk = (end - begin + parts - 1) / parts;
  detail::ParallelJob<F> job{&omp, begin, end, chunk, (end - begin + chunk - 1) / chunk, &f, {}, nullptr};
  omp.parallel(&detail::ParallelJob<F>::run, &job, static_cast<unsigned>(parts), 0);
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace hearth
