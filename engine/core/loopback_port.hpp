// A TCP port for a rendezvous on this machine: `hearth run --nproc` picks one for its ranks'
// store, and the tests for theirs.
#pragma once

namespace hearth {

/// A port the kernel had free on 127.0.0.1 a moment ago (whoever binds it next should do so at
/// once). Throws Error with the system's reason when none can be had.
int free_loopback_port();

}  // namespace hearth
