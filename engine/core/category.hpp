// Names of the eight module categories, as jobs, folders and the CLI spell them.
#pragma once

#include <optional>
#include <string>

#include "hearth/abi.h"

namespace hearth {

/// "dataset", "model", ... (singular, as in `hearth new model NAME`).
const char* category_name(hearth_category category);
/// "datasets", "models", ... (the folder a dropped library goes in).
const char* category_folder(hearth_category category);
/// Parses a singular or plural category name; nullopt when it is none of the eight.
std::optional<hearth_category> parse_category(const std::string& text);
/// "dataset, analyzer, ..." for error messages.
std::string category_list();

}  // namespace hearth
