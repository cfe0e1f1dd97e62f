// `unet2d`: the U-Net of unet.hpp for images [N, C, H, W].
#include "unet.hpp"

namespace {
using UNet2d = hearth_builtin::UNet<2>;
}  // namespace

HEARTH_REGISTER(UNet2d, "unet2d", "U-Net for images: per-pixel outputs",
                "Encoder blocks (convs_per_block convolutions, optional batch norm, ReLU) with max pooling,\n"
                "a decoder with transposed convolutions and skip connections, and a 1x1 output convolution.")
