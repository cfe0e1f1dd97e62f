#include "engine/runs/tensorboard_writer.hpp"

#include <array>
#include <chrono>
#include <cstring>

#include "engine/core/error.hpp"

namespace hearth {
namespace {

std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}

uint32_t masked(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

void varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

template <class T>
void fixed(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // little-endian, as protobuf and TFRecord want (x86-64, ARM64)
  out.append(b, sizeof(T));
}

void bytes_field(std::string& out, int field, const std::string& bytes) {
  varint(out, static_cast<uint64_t>(field << 3 | 2));
  varint(out, bytes.size());
  out += bytes;
}

std::string event(double wall_time, int64_t step) {
  std::string e;
  varint(e, 1 << 3 | 1);  // wall_time: double
  fixed(e, wall_time);
  varint(e, 2 << 3 | 0);  // step: int64
  varint(e, static_cast<uint64_t>(step));
  return e;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

uint32_t crc32c(const void* data, size_t size) {
  static const std::array<uint32_t, 256> table = make_table();
  uint32_t c = 0xffffffffu;
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

TensorBoardWriter::TensorBoardWriter(const std::filesystem::path& folder) {
  auto secs = static_cast<int64_t>(now_seconds());
  file_ = folder / ("events.out.tfevents." + std::to_string(secs) + ".hearth");
  out_.open(file_, std::ios::binary | std::ios::app);
  if (!out_) throw Error("cannot write TensorBoard events to " + file_.string());
  std::string e = event(now_seconds(), 0);
  bytes_field(e, 3, "brain.Event:2");  // file_version
  record(e);
}

void TensorBoardWriter::scalar(const std::string& tag, double value, int64_t step) {
  std::string v;
  bytes_field(v, 1, tag);  // Summary.Value.tag
  varint(v, 2 << 3 | 5);   // Summary.Value.simple_value: float
  fixed(v, static_cast<float>(value));
  std::string summary;
  bytes_field(summary, 1, v);  // Summary.value
  std::string e = event(now_seconds(), step);
  bytes_field(e, 5, summary);  // Event.summary
  record(e);
}

void TensorBoardWriter::record(const std::string& payload) {
  std::string header;
  fixed(header, static_cast<uint64_t>(payload.size()));
  std::string framed = header;
  fixed(framed, masked(crc32c(header.data(), header.size())));
  framed += payload;
  fixed(framed, masked(crc32c(payload.data(), payload.size())));
  out_.write(framed.data(), static_cast<std::streamsize>(framed.size()));
}

}  // namespace hearth
