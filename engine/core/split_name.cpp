#include "engine/core/split_name.hpp"

#include "engine/core/error.hpp"

namespace hearth {

const char* split_label(SplitName s) {
  switch (s) {
    case SplitName::train: return "train";
    case SplitName::valid: return "valid";
    case SplitName::test: return "test";
  }
  return "?";
}

SplitName parse_split(const std::string& text, const std::string& what) {
  for (SplitName s : {SplitName::train, SplitName::valid, SplitName::test})
    if (text == split_label(s)) return s;
  throw UsageError(what + " '" + text + "' is not a split; use train, valid or test");
}

std::optional<SplitName> parse_split_or_all(const std::string& text, const std::string& what) {
  if (text == "all") return std::nullopt;
  for (SplitName s : {SplitName::train, SplitName::valid, SplitName::test})
    if (text == split_label(s)) return s;
  throw UsageError(what + " '" + text + "' is not a split; use train, valid, test or all");
}

}  // namespace hearth
