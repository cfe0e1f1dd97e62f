// A text corpus encoded as a stream of token ids with its vocabulary, kept as a tokens file in
// Hearth's cache folder (text/<hash>.tokens) and memory-mapped from there: the corpus is read and
// encoded once, in two streaming passes, and a later run (or every rank of this one) maps the
// result. The cache is keyed by every file's path, size and modification time, the level and the
// split, all checked on open: an edited file is encoded again, never read through a stale cache.
// Header-only, for the `text` dataset.
#pragma once

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <optional>

#include "dataset_cache.hpp"
#include "text_corpus.hpp"

namespace hearth_datasets {

/// The encoded corpus: `tokens` ids of `width` bytes at `data` (the train part first, then the
/// valid part), and the vocabulary's token names.
struct EncodedText {
  std::vector<std::string> vocabulary;
  const uint8_t* data = nullptr;
  int width = 2;
  int64_t tokens = 0, train_tokens = 0;
  std::shared_ptr<const void> holder;  ///< the mapping or memory `data` points into
};

namespace text_cache {

constexpr char kMagic[] = "HEARTH-TEXT-TOKENS-1\n";

/// What the cache must match: the level, the split and each file's path, size and mtime.
inline std::string key_of(const std::vector<std::shared_ptr<const MappedFile>>& files, TextLevel level, double valid_fraction) {
  std::string key = level == TextLevel::chars ? "char" : "byte";
  char fraction[32];
  std::snprintf(fraction, sizeof fraction, "%.17g", valid_fraction);
  key += std::string("\n") + fraction;
  for (const auto& f : files) {
    struct stat st {};
    if (::stat(f->path().c_str(), &st) != 0) return "";
    std::error_code ec;
    key += "\n" + std::filesystem::absolute(f->path(), ec).string() + "\n" + std::to_string(st.st_size) + " " +
           std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  }
  return key;
}

inline std::filesystem::path file_for(const std::string& key) {
  return hearth_cache_folder() / "text" / (std::to_string(cache_bytes::fnv1a(key)) + ".tokens");
}

/// The header: magic, key, vocabulary, counts and width, padded to 8 bytes; the ids follow.
inline std::string header(const std::string& key, const std::vector<std::string>& vocabulary, int64_t tokens,
                          int64_t train_tokens, int width) {
  std::string out = kMagic;
  cache_bytes::put_text(out, key);
  cache_bytes::put<uint64_t>(out, vocabulary.size());
  for (const std::string& name : vocabulary) cache_bytes::put_text(out, name);
  cache_bytes::put<int64_t>(out, tokens);
  cache_bytes::put<int64_t>(out, train_tokens);
  cache_bytes::put<int32_t>(out, width);
  out.resize((out.size() + 7) / 8 * 8, '\0');
  return out;
}

/// The cached encoding of `key`, or nullopt when there is none or it does not hold exactly that.
inline std::optional<EncodedText> load(const std::string& key) {
  std::shared_ptr<const MappedFile> file;
  try {
    file = MappedFile::open(file_for(key).string(), "the text cache");
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
  const std::string head(reinterpret_cast<const char*>(file->data()), std::min<size_t>(file->size(), 16u << 20));
  if (head.compare(0, sizeof kMagic - 1, kMagic) != 0) return std::nullopt;
  cache_bytes::Reader r(head, sizeof kMagic - 1);
  std::string stored;
  uint64_t names = 0;
  EncodedText text;
  if (!r.get_text(stored) || stored != key || !r.get(names) || names > (1u << 24)) return std::nullopt;
  text.vocabulary.resize(names);
  for (std::string& name : text.vocabulary)
    if (!r.get_text(name)) return std::nullopt;
  int32_t width = 0;
  if (!r.get(text.tokens) || !r.get(text.train_tokens) || !r.get(width) || (width != 2 && width != 4)) return std::nullopt;
  const size_t begin = header(key, text.vocabulary, text.tokens, text.train_tokens, width).size();
  if (text.tokens < 0 || text.train_tokens < 0 || text.train_tokens > text.tokens ||
      file->size() != begin + static_cast<size_t>(text.tokens) * static_cast<size_t>(width))
    return std::nullopt;
  text.width = width;
  text.data = file->data() + begin;
  text.holder = file;
  return text;
}

}  // namespace text_cache

/// Encodes `files` (streaming, twice: once to find the characters and their first places, once
/// to write the ids), through the cache when it can be written and in memory when it cannot.
inline EncodedText encode_text(const std::vector<std::shared_ptr<const MappedFile>>& files, TextLevel level, double valid_fraction) {
  const std::string key = text_cache::key_of(files, level, valid_fraction);
  if (!key.empty())
    if (auto cached = text_cache::load(key)) return std::move(*cached);
  SymbolCensus census;
  int64_t count = 0;
  for_each_symbol(files, level, [&](uint32_t cp, const MappedFile&, size_t) {
    if (level == TextLevel::chars) census.see(cp, count);
    ++count;
  });
  if (count == 0) throw std::invalid_argument("text: " + files.front()->path() + (files.size() > 1 ? " and the rest" : "") +
                                              " hold no text; name a file with some");
  const auto valid = static_cast<int64_t>(std::llround(static_cast<double>(count) * valid_fraction));
  const TextVocabulary vocabulary(level, census, count - valid);
  EncodedText text;
  text.vocabulary = vocabulary.names();
  text.tokens = count;
  text.train_tokens = count - valid;
  text.width = text.vocabulary.size() <= 65536 ? 2 : 4;
  auto emit_all = [&](const std::function<void(uint32_t)>& emit) {
    for_each_symbol(files, level, [&](uint32_t cp, const MappedFile&, size_t) { emit(vocabulary.id(cp)); });
  };
  // Through a temporary file and a rename: ranks encoding at once never map half a file.
  const std::filesystem::path file = text_cache::file_for(key);
  const std::filesystem::path tmp = file.string() + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  if (!key.empty()) {
    std::ofstream out(tmp, std::ios::binary);
    out << text_cache::header(key, text.vocabulary, text.tokens, text.train_tokens, text.width);
    std::vector<char> buffer;
    auto flush = [&] { out.write(buffer.data(), static_cast<std::streamsize>(buffer.size())); buffer.clear(); };
    emit_all([&](uint32_t id) {
      if (text.width == 2) cache_bytes::put(buffer, static_cast<uint16_t>(id));
      else cache_bytes::put(buffer, id);
      if (buffer.size() >= (1u << 20)) flush();
    });
    flush();
    out.close();
    if (out && (std::filesystem::rename(tmp, file, ec), !ec))
      if (auto cached = text_cache::load(key)) return std::move(*cached);
    std::filesystem::remove(tmp, ec);
  }
  // No cache (a read-only home): the ids in memory, for this process only.
  auto ids = std::make_shared<std::vector<uint8_t>>();
  ids->reserve(static_cast<size_t>(count) * static_cast<size_t>(text.width));
  emit_all([&](uint32_t id) {
    if (text.width == 2) cache_bytes::put(*ids, static_cast<uint16_t>(id));
    else cache_bytes::put(*ids, id);
  });
  text.data = ids->data();
  text.holder = ids;
  return text;
}

}  // namespace hearth_datasets
