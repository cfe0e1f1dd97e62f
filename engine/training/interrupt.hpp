// The one flag a host's signal handler sets (SIGINT, SIGTERM): training stops after its current
// batch, writes `last`, and the run ends `interrupted`.
#pragma once

#include <atomic>

namespace hearth {

/// Set by a host's signal handler: a training epoch stops after its current batch.
std::atomic<bool>& interrupt_requested();

}  // namespace hearth
