#include "engine/core/checkpoint_name.hpp"

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"

namespace hearth {

const char* checkpoint_word(CheckpointName name) { return name == CheckpointName::best ? "best" : "last"; }

std::optional<CheckpointName> find_checkpoint_name(const std::string& word) {
  if (word == "best") return CheckpointName::best;
  if (word == "last") return CheckpointName::last;
  return std::nullopt;
}

CheckpointName checkpoint_name(const std::string& word, const std::string& what) {
  if (std::optional<CheckpointName> n = find_checkpoint_name(word)) return *n;
  throw UsageError(what + " '" + printable(word) + "': use best or last");
}

}  // namespace hearth
