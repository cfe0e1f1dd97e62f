// "Did you mean": the closest candidate by edit distance.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hearth {

/// Levenshtein distance.
size_t edit_distance(const std::string& a, const std::string& b);

/// The candidate closest to `word`, when close enough to be a plausible typo.
std::optional<std::string> closest_match(const std::string& word, const std::vector<std::string>& candidates);

/// " (did you mean 'x'?)" or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace hearth
