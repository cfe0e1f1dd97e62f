// A text corpus for the `text` dataset: its files (one, or a folder's, in name order), read as
// UTF-8 characters or as bytes, its vocabulary (built from the train part), and the token stream
// the vocabulary encodes it into. Header-only: each built-in dataset is its own library.
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "mapped_file.hpp"

namespace hearth_datasets {

/// How text becomes tokens: one per Unicode character, or one per byte (any file, 256 tokens).
enum class TextLevel { chars, bytes };

/// The token an unseen character (in valid or test text) becomes at character level: id 0.
constexpr const char* kUnknownToken = "<unk>";

namespace text_detail {

/// The code point at p (at most `left` bytes) and its length in bytes; 0 when the bytes there are
/// not UTF-8 (overlong forms, surrogates and values past U+10FFFF included).
inline int utf8_char(const uint8_t* p, size_t left, uint32_t& cp) {
  const uint8_t c = p[0];
  if (c < 0x80) return cp = c, 1;
  int n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (c >= 0xF5 || n == 0 || static_cast<size_t>(n) > left) return 0;
  cp = c & (0xFF >> (n + 1));
  for (int i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

inline std::string utf8_of(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

/// A byte token's name: the character itself for printable ASCII, else `<0xNN>` (the byte-token
/// names of SentencePiece), so that every name is valid UTF-8 and decodes back to its byte.
inline std::string byte_name(uint32_t b) {
  if (b >= 0x20 && b < 0x7F) return std::string(1, static_cast<char>(b));
  char hex[8];
  std::snprintf(hex, sizeof hex, "<0x%02X>", b);
  return hex;
}

}  // namespace text_detail

/// The corpus's files, in order, mapped. `file` or `folder` (the other empty): a folder gives its
/// regular files in name order, hidden names skipped; a link, FIFO, device or subfolder in it is
/// refused by name (a FIFO would hang the reader, a link may lead anywhere).
inline std::vector<std::shared_ptr<const MappedFile>> corpus_files(const std::string& file, const std::string& folder) {
  if (file.empty() == folder.empty())
    throw std::invalid_argument("text: give `file` (one text file) or `folder` (a folder of them), not " +
                                std::string(file.empty() ? "neither" : "both"));
  std::vector<std::shared_ptr<const MappedFile>> out;
  if (!file.empty()) {
    out.push_back(MappedFile::open(file, "the text file"));
    return out;
  }
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    if (!entry.is_regular_file() || entry.is_symlink())
      throw std::invalid_argument("text: " + entry.path().string() +
                                  " is not a regular file (a link, folder, FIFO or device); a text folder holds text files only");
    names.push_back(entry.path().string());
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) throw std::invalid_argument("text: the folder " + folder + " holds no text files");
  for (const std::string& n : names) out.push_back(MappedFile::open(n, "the text file"));
  return out;
}

/// Calls `take(token_value, file, byte offset)` for each character (its code point) or byte of
/// the corpus in order. Refuses a NUL byte anywhere (the file is binary, not text) and, at
/// character level, bytes that are not UTF-8, naming the file and the offset.
template <typename Take>
void for_each_symbol(const std::vector<std::shared_ptr<const MappedFile>>& files, TextLevel level, Take&& take) {
  for (const auto& f : files) {
    const uint8_t* p = f->data();
    const size_t n = f->size();
    for (size_t i = 0; i < n;) {
      if (p[i] == 0)
        throw std::invalid_argument("text: " + f->path() + " holds a NUL byte at offset " + std::to_string(i) +
                                    ": it is a binary file, not text; name a text file");
      uint32_t cp = p[i];
      int len = 1;
      if (level == TextLevel::chars && (len = text_detail::utf8_char(p + i, n - i, cp)) == 0)
        throw std::invalid_argument("text: " + f->path() + " is not UTF-8 at byte offset " + std::to_string(i) +
                                    "; convert it (iconv -t UTF-8) or set level = \"byte\"");
      take(cp, *f, i);
      i += static_cast<size_t>(len);
    }
  }
}

/// Where each character first appears in the stream: a flat table for the Basic Multilingual
/// Plane (one lookup per character of a large corpus), a map above it.
class SymbolCensus {
 public:
  void see(uint32_t cp, int64_t position) {
    if (cp < kFlat) {
      if (flat_[cp] < 0) flat_[cp] = position;
    } else {
      other_.emplace(cp, position);  // keeps the first
    }
  }
  /// (code point, first position) in code point order.
  std::vector<std::pair<uint32_t, int64_t>> seen() const {
    std::vector<std::pair<uint32_t, int64_t>> out;
    for (uint32_t cp = 0; cp < kFlat; ++cp)
      if (flat_[cp] >= 0) out.emplace_back(cp, flat_[cp]);
    for (const auto& e : other_) out.push_back(e);
    return out;
  }

 private:
  static constexpr uint32_t kFlat = 0x10000;
  std::vector<int64_t> flat_ = std::vector<int64_t>(kFlat, -1);
  std::map<uint32_t, int64_t> other_;
};

/// Token ids for characters or bytes, built from the characters seen in the train part.
class TextVocabulary {
 public:
  /// Bytes: all 256, in byte order. Characters: `<unk>` (id 0), then each character whose first
  /// place in the stream is before `train_tokens`, in code point order.
  TextVocabulary(TextLevel level, const SymbolCensus& census, int64_t train_tokens) : level_(level) {
    if (level == TextLevel::bytes) {
      for (uint32_t b = 0; b < 256; ++b) names_.push_back(text_detail::byte_name(b));
      return;
    }
    names_.push_back(kUnknownToken);
    for (const auto& [cp, first] : census.seen())
      if (first < train_tokens) {
        if (cp < flat_.size()) flat_[cp] = static_cast<uint32_t>(names_.size());
        else other_[cp] = static_cast<uint32_t>(names_.size());
        names_.push_back(text_detail::utf8_of(cp));
      }
  }
  /// The id of a character or byte; 0 (`<unk>`) for a character the train part does not hold.
  uint32_t id(uint32_t symbol) const {
    if (level_ == TextLevel::bytes) return symbol;
    if (symbol < flat_.size()) return flat_[symbol];
    auto it = other_.find(symbol);
    return it == other_.end() ? 0 : it->second;
  }
  const std::vector<std::string>& names() const { return names_; }

 private:
  TextLevel level_;
  std::vector<uint32_t> flat_ = std::vector<uint32_t>(0x10000, 0);
  std::map<uint32_t, uint32_t> other_;
  std::vector<std::string> names_;
};

}  // namespace hearth_datasets
