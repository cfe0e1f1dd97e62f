#include "engine/jobs/token_text.hpp"

#include <cstdio>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"

namespace hearth {
namespace {

/// Bytes in the UTF-8 character that starts with `lead` (1 for a byte that starts none).
size_t char_length(unsigned char lead) {
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  return 1;
}

std::string byte_token(unsigned char b) {
  char name[8];
  std::snprintf(name, sizeof name, "<0x%02X>", b);
  return name;
}

/// The byte a `<0xNN>` name stands for, or -1.
int byte_of(const std::string& name) {
  unsigned value = 0;
  char tail = 0;
  if (name.size() != 6 || std::sscanf(name.c_str(), "<0x%2X%c", &value, &tail) != 2 || tail != '>') return -1;
  return static_cast<int>(value);
}

}  // namespace

TokenText::TokenText(std::vector<std::string> vocabulary) : names_(std::move(vocabulary)) {
  for (size_t i = 0; i < names_.size(); ++i) ids_.emplace(names_[i], static_cast<int64_t>(i));  // the first of equal names
}

std::vector<int64_t> TokenText::encode(const std::string& text) const {
  std::vector<int64_t> out;
  for (size_t i = 0; i < text.size();) {
    const size_t n = std::min(char_length(static_cast<unsigned char>(text[i])), text.size() - i);
    const std::string piece = text.substr(i, n);
    if (auto it = ids_.find(piece); it != ids_.end()) {
      out.push_back(it->second);
    } else {
      for (unsigned char b : piece) {
        auto byte = ids_.find(byte_token(b));
        if (byte == ids_.end())
          throw UsageError("the prompt's character \"" + printable(piece) + "\" (byte " + std::to_string(i) +
                           ") is not in the run's vocabulary of " + std::to_string(names_.size()) +
                           " tokens; leave it out (the vocabulary is the train text's characters)");
        out.push_back(byte->second);
      }
    }
    i += n;
  }
  return out;
}

std::string TokenText::decode(int64_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= names_.size())
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(names_.size()));
  const std::string& name = names_[static_cast<size_t>(id)];
  if (name == "<unk>") return "\xEF\xBF\xBD";
  if (int b = byte_of(name); b >= 0) return std::string(1, static_cast<char>(b));
  return name;
}

}  // namespace hearth
