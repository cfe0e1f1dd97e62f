// The two checkpoints of a run, and their names as users write them: one parser for --checkpoint,
// [export] checkpoint and run:RUN:best|last, so that all three accept and refuse alike.
#pragma once

#include <optional>
#include <string>

namespace hearth {

/// `last`, written after every epoch (and on an interrupt), and `best`, a copy of the epoch whose
/// monitored value was best.
enum class CheckpointName { last, best };

/// "last" or "best".
const char* checkpoint_word(CheckpointName name);
/// The checkpoint `word` names, or nullopt.
std::optional<CheckpointName> find_checkpoint_name(const std::string& word);
/// The checkpoint `word` names; UsageError "`what` 'x': use best or last" for any other word.
CheckpointName checkpoint_name(const std::string& word, const std::string& what = "--checkpoint");

}  // namespace hearth
