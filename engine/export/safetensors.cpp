#include "engine/export/safetensors.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>

#include "engine/core/atomic_file.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/core/regular_file.hpp"

namespace hearth {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxHeader = 100u << 20;  // the reference implementation's limit

/// Elements of `shape` times `size` into `out`; false when a size is negative or the product passes 2^62.
bool byte_count(const std::vector<int64_t>& shape, size_t size, uint64_t& out) {
  uint64_t n = size;
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(n, static_cast<uint64_t>(d), &n) || n > (uint64_t{1} << 62)) return false;
  out = n;
  return true;
}

/// A header entry, checked, with where its bytes lie in the data.
struct Entry {
  SafetensorsTensor tensor;
  uint64_t begin = 0, end = 0;
};

/// One header entry checked against the data: its dtype, shape and offsets.
Entry read_entry(const std::string& where, const std::string& name, const json& e, uint64_t data_size) {
  auto bad = [&](const std::string& why) {
    return UsageError(where + ": tensor '" + printable(name) + "' " + why + "; the file is not valid safetensors");
  };
  if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets"))
    throw bad("needs dtype, shape and data_offsets");
  Entry entry;
  SafetensorsTensor& t = entry.tensor;
  t.name = name;
  if (!e["dtype"].is_string() || safetensors_dtype_size(e["dtype"].get<std::string>()) == 0)
    throw bad("has an unknown dtype " + e["dtype"].dump());
  t.dtype = e["dtype"].get<std::string>();
  if (!e["shape"].is_array()) throw bad("has a shape that is not a list");
  for (const json& d : e["shape"]) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0) throw bad("has a shape entry that is not a size: " + d.dump());
    t.shape.push_back(d.get<int64_t>());
  }
  const json& off = e["data_offsets"];
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
    throw bad("has data_offsets that are not two byte positions");
  const uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
  uint64_t expected = 0;
  if (!byte_count(t.shape, safetensors_dtype_size(t.dtype), expected)) throw bad("has a shape too large for any file");
  if (begin > end || end > data_size) throw bad("lies outside the file's data (bytes " + std::to_string(begin) + "-" + std::to_string(end) + ")");
  if (end - begin != expected)
    throw bad("holds " + std::to_string(end - begin) + " bytes where its shape and dtype need " + std::to_string(expected));
  entry.begin = begin;
  entry.end = end;
  return entry;
}

/// The 8-byte little-endian length that opens a file.
std::string length_prefix(uint64_t n) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out;
}

}  // namespace

size_t safetensors_dtype_size(const std::string& dtype) {
  static const std::map<std::string, size_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
      {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},     {"F64", 8},     {"I64", 8}, {"U64", 8}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

std::string safetensors_bytes(const SafetensorsFile& file) {
  json header = json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const SafetensorsTensor& t : file.tensors) {
    auto refuse = [&](const std::string& why) { return UsageError("tensor '" + printable(t.name) + "' " + why); };
    if (t.name.empty() || t.name == "__metadata__") throw refuse("has a name safetensors cannot hold");
    if (!names.insert(t.name).second) throw refuse("appears twice");
    const size_t size = safetensors_dtype_size(t.dtype);
    if (size == 0) throw refuse("has dtype '" + t.dtype + "', which safetensors cannot hold");
    uint64_t expected = 0;
    if (!byte_count(t.shape, size, expected) || expected != t.bytes.size())
      throw refuse("has " + std::to_string(t.bytes.size()) + " bytes, which do not match its shape and dtype");
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + expected}}};
    offset += expected;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out = length_prefix(text.size()) + text;
  out.reserve(out.size() + offset);
  for (const SafetensorsTensor& t : file.tensors) out += t.bytes;
  return out;
}

void write_safetensors(const std::filesystem::path& path, const SafetensorsFile& file) {
  write_file_atomically(path, safetensors_bytes(file), "safetensors file");
}

SafetensorsFile read_safetensors(const std::filesystem::path& path) {
  const std::string where = printable(path.string());
  require_regular_file(path, "safetensors file");
  std::ifstream in(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw Error("cannot read " + where);
  if (all.size() < 8) throw UsageError(where + ": too short for a safetensors file (" + std::to_string(all.size()) + " bytes)");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(all[static_cast<size_t>(i)]);
  if (n > kMaxHeader || n > all.size() - 8)
    throw UsageError(where + ": its header claims " + std::to_string(n) + " bytes, more than the file holds or 100 MB; not a safetensors file");
  json header = json::parse(all.begin() + 8, all.begin() + 8 + static_cast<std::ptrdiff_t>(n), nullptr, false);
  if (header.is_discarded() || !header.is_object()) throw UsageError(where + ": its header is not a JSON object; not a safetensors file");
  const uint64_t data_start = 8 + n, data_size = all.size() - data_start;
  SafetensorsFile file;
  std::vector<Entry> entries;
  for (const auto& [name, e] : header.items()) {
    if (name == "__metadata__") {
      if (!e.is_object()) throw UsageError(where + ": __metadata__ is not a table of strings");
      for (const auto& [k, v] : e.items()) {
        if (!v.is_string()) throw UsageError(where + ": __metadata__ '" + printable(k) + "' is not a string");
        file.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    entries.push_back(read_entry(where, name, e, data_size));
  }
  // In file order; the byte ranges tile the data exactly: no overlap (two tensors sharing
  // bytes), no gap.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin || (a.begin == b.begin && a.end < b.end); });
  uint64_t at = 0;
  for (Entry& e : entries) {
    if (e.begin != at) throw UsageError(where + ": tensors' byte ranges overlap or leave a gap at byte " + std::to_string(at) + "; not valid safetensors");
    at = e.end;
    e.tensor.bytes = all.substr(data_start + e.begin, e.end - e.begin);
    file.tensors.push_back(std::move(e.tensor));
  }
  if (at != data_size) throw UsageError(where + ": " + std::to_string(data_size - at) + " bytes after the last tensor; not valid safetensors");
  return file;
}

}  // namespace hearth
