// run.json is read by several commands (runs, resume, eval, plot); a hand edit or a damaged disk
// can put any JSON there. Every field a command reads is checked for the type it is read as, so
// a bad one is named with the file instead of failing later with a bare type_error.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>

namespace hearth {

/// Throws Error "FILE: "key" is not a string" (and the like) for the first field of the wrong type.
void check_run_info(const nlohmann::json& info, const std::filesystem::path& file);

}  // namespace hearth
