// The three splits a job sees, and their names as users write them: one parser for every command,
// so `--split`, `[[analyzers]] split` and the columns of metrics.csv agree.
#pragma once

#include <optional>
#include <string>

namespace hearth {

enum class SplitName { train, valid, test };

/// "train", "valid" or "test".
const char* split_label(SplitName s);

/// The split `text` names; throws UsageError naming `what` (e.g. "--split") when it names none.
SplitName parse_split(const std::string& text, const std::string& what);

/// A split or every split: "all" gives nullopt.
std::optional<SplitName> parse_split_or_all(const std::string& text, const std::string& what);

}  // namespace hearth
