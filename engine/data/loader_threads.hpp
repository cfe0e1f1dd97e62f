// What every thread of the data pipeline does first.
#pragma once

namespace hearth {

/// Loader threads fetch and collate with one intra-op thread, as PyTorch's DataLoader workers do.
/// Otherwise each loader thread that touches a large tensor gets its own OpenMP team, libgomp then
/// counts more threads than cores and stops spinning between parallel regions, and every operator
/// of the training step pays for waking its team (measured: 26 context switches a batch and a
/// 25% slower MLP step).
void use_one_intraop_thread();

}  // namespace hearth
