// `hearth run JOB --nproc N`: N ranks of the same command on this machine, started the way
// torchrun starts them (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT),
// so that a rank cannot tell `--nproc` from torchrun except by HEARTH_LAUNCHER=nproc.
#pragma once

namespace hearth::cli {

/// Whether this process is a rank some launcher started (then --nproc is not obeyed again).
bool started_as_rank();

/// Runs this very command line (`argv`, null-terminated as main's) as `nproc` ranks and waits for
/// them. With `bind`, each rank runs on its own equal share of this process's CPUs (when there
/// are at least `nproc`): a rank that migrates between cores makes every other rank wait for it
/// at each all-reduce (docs/benchmarks.md). When one fails, the others have a grace period to
/// stop on their own (their collectives fail at once when a peer's connection closes) before
/// SIGTERM, then SIGKILL. Returns 0, or the exit code of the first rank that failed (128 + signal
/// for a killed one), naming it on stderr.
int launch_local_ranks(int nproc, char** argv, bool bind);

}  // namespace hearth::cli
