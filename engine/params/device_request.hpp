// [job] device, parsed once when the job is resolved: where a job asks to train. Which device
// that is on this machine and rank is decided by resolve_device (engine/jobs/session.hpp), which
// needs LibTorch.
#pragma once

#include <string>

namespace hearth {

struct DeviceRequest {
  enum class Kind { automatic, cpu, cuda };
  Kind kind = Kind::automatic;
  int index = -1;  ///< cuda:N; -1: cuda without an index (each local rank takes its own GPU)
  /// As users write it: "auto", "cpu", "cuda", "cuda:1".
  std::string text() const;
};

/// The request `text` makes; UsageError saying what is accepted for any other text.
DeviceRequest parse_device_request(const std::string& text);

}  // namespace hearth
