// Text to token ids and back through a run's vocabulary: the class names of a `text` dataset (a
// character each, `<0xNN>` for a byte, `<unk>`) or of any dataset that names its tokens so.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hearth {

class TokenText {
 public:
  explicit TokenText(std::vector<std::string> vocabulary);

  /// The ids of `text`: each character by its own token, else by its bytes' `<0xNN>` tokens.
  /// Throws UsageError naming the first character the vocabulary cannot spell (and its place).
  std::vector<int64_t> encode(const std::string& text) const;
  /// Token `id`'s text: its name, the byte of a `<0xNN>` name, U+FFFD for `<unk>`. Bytes of a
  /// character split over several byte tokens come out as they are, so concatenating the pieces
  /// gives the text.
  std::string decode(int64_t id) const;
  size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;
  std::map<std::string, int64_t> ids_;
};

}  // namespace hearth
