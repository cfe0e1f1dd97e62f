// Reads a library descriptor handed over the ABI: copies every struct by the OBS rule (min of the
// two sizes into a zeroed struct of the host's), checks versions and required entries, and turns
// the schemas into ParamInfo. Used by the scanner child and by the in-process loader alike.
#pragma once

#include <vector>

#include "engine/core/error.hpp"
#include "engine/core/plugin_info.hpp"
#include "hearth/abi.h"

namespace hearth {

/// Why a library cannot be used: version mismatch, too-small struct, missing entry. The message
/// says what the library has and what this host needs, but not the file (the caller knows it).
struct LibraryRefusal : Error {
  using Error::Error;
};

/// A module's descriptor and category table, copied into host-sized zeroed structs.
struct ModuleTables {
  hearth_module_descriptor descriptor{};
  union Functions {
    hearth_dataset_functions dataset;
    hearth_analyzer_functions analyzer;
    hearth_loss_functions loss;
    hearth_metric_functions metric;
    hearth_model_functions model;
    hearth_optimizer_functions optimizer;
    hearth_scheduler_functions scheduler;
    hearth_renderer_functions renderer;
    hearth_diagnostic_functions diagnostic;
  } functions{};
};

/// A library that passed every check.
struct CheckedLibrary {
  LibraryInfo info;
  std::vector<ModuleTables> tables;  ///< parallel to info.modules
};

/// The version rule alone (ABI major equal, minor not newer, LibTorch major.minor and CXX11 ABI
/// equal); throws LibraryRefusal saying what the library was built with and what the host needs.
void check_versions(const hearth_library_descriptor& descriptor);

/// Checks `descriptor` against this host; throws LibraryRefusal with the reason.
CheckedLibrary read_library(const hearth_library_descriptor* descriptor);

}  // namespace hearth
