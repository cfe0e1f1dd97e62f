/* Hearth version numbers: the one place they are written. CMake reads HEARTH_VERSION_* from here. */
#ifndef HEARTH_VERSION_H
#define HEARTH_VERSION_H

/** Release of the Hearth engine, host and SDK. */
#define HEARTH_VERSION_MAJOR 0
#define HEARTH_VERSION_MINOR 1
#define HEARTH_VERSION_PATCH 0
#define HEARTH_VERSION_STRING "0.1.0"

/** Plugin ABI: a plugin loads when its major equals the host's and its minor is not newer.
 *  1.1 appended hearth_optimizer_functions.train; 1.2 appended hearth_host_api.shared_tensor;
 *  1.3 appended hearth_param_spec.kind; 1.4 appended hearth_model_functions.state, traceable and
 *  save_script; 1.5 appended the diagnostic category and hearth_model_functions.tap_names and
 *  forward_tapped; 1.6 appended hearth_optimizer_functions.bind_named. */
#define HEARTH_ABI_MAJOR 1
#define HEARTH_ABI_MINOR 6

#endif
