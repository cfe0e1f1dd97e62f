// Hearth's C++ authoring layer: include this one header to write a plugin.
//
//   #include <hearth/plugin.hpp>
//   class Top3 : public hearth::Metric { ... };
//   HEARTH_REGISTER(Top3, "top3", "one-line summary", "longer doc")
//   HEARTH_PACK("my_pack", "1.0.0")
//
// See docs/sdk.md for a walk-through.
#pragma once

#include "hearth/abi.h"
#include "hearth/sdk/bindings.hpp"
#include "hearth/sdk/diagnostic_input.hpp"
#include "hearth/sdk/host.hpp"
#include "hearth/sdk/modules.hpp"
#include "hearth/sdk/params.hpp"
#include "hearth/sdk/register.hpp"
#include "hearth/sdk/shared_tensor.hpp"
