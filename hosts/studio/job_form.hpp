// A TOML job as the studio's forms hold it, and back: each value is kept as its TOML text, so
// nothing is lost or retyped between a job file, the forms and `hearth run`.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace hearth::studio {

/// {"tables": {"job"|"dataset"|"model"|"optimizer"|"scheduler"|"train": {key: TOML text}},
///  "lists": {"losses"|"metrics"|"renders": [{key: TOML text}, ...]}, "extra": TOML text of every other
/// table ([[analyzers]], [export], [sweep], ...)}. Throws UsageError "NAME:LINE:COL: ..." for TOML
/// that does not parse.
nlohmann::json job_to_form(const std::string& toml_text, const std::string& name);

}  // namespace hearth::studio
