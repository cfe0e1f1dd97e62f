// `unet1d`: the U-Net of unet.hpp for signals [N, C, L]; the library's entry is here.
#include "unet.hpp"

namespace {
using UNet1d = hearth_builtin::UNet<1>;
}  // namespace

HEARTH_REGISTER(UNet1d, "unet1d", "U-Net for signals: per-sample outputs",
                "The U-Net of unet2d over one spatial dimension: inputs [N, C, L], outputs [N, out_channels, L].")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
