// The one way Hearth writes a moment into its records (run.json, crash and lock records).
#pragma once

#include <string>

namespace hearth {

/// Now, as "2026-11-21T22:05:03Z".
std::string utc_timestamp();

/// Now in local time, as run and sweep folders are named: "20261121-230503".
std::string folder_time_stamp();

}  // namespace hearth
