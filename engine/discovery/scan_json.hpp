// JSON form of scan results: the scanner's reply lines and the entries of the scan cache.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/discovery/scan_result.hpp"

namespace hearth {

nlohmann::json library_to_json(const LibraryInfo& library);
LibraryInfo library_from_json(const nlohmann::json& j);

nlohmann::json scan_result_to_json(const ScanResult& result);
/// Throws nlohmann::json::exception on a malformed entry.
ScanResult scan_result_from_json(const nlohmann::json& j);

}  // namespace hearth
