// safetensors: what Hearth writes is the published format (checked byte by byte here, and by
// Python in the export tests), and a hostile file is refused naming the file and the tensor.
#include "unit/catch.hpp"

#include <sys/stat.h>

#include <cstring>
#include <fstream>

#include "engine/export/safetensors.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

std::string f32(std::initializer_list<float> values) {
  std::string out;
  for (float v : values) out.append(reinterpret_cast<const char*>(&v), sizeof v);
  return out;
}

/// A file made of `header` (JSON text) and `data`, as a hostile writer would make it.
void forge(const fs::path& file, const std::string& header, const std::string& data, uint64_t claimed = UINT64_MAX) {
  uint64_t n = claimed == UINT64_MAX ? header.size() : claimed;
  std::ofstream out(file, std::ios::binary);
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
  out << header << data;
}

}  // namespace

TEST_CASE("safetensors files are written in the published layout and read back", "[export][safetensors]") {
  TempDir dir;
  SafetensorsFile file;
  file.metadata = {{"format", "pt"}, {"job", "mlp"}};
  file.tensors = {{"layers.0.weight", "F32", {2, 2}, f32({1, 2, 3, 4})},
                  {"layers.0.bias", "F32", {2}, f32({5, 6})},
                  {"steps", "I64", {}, std::string("\x07\0\0\0\0\0\0\0", 8)},
                  {"empty", "F32", {0, 3}, ""}};
  write_safetensors(dir / "m.safetensors", file);
  const std::string bytes = read_text(dir / "m.safetensors");
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);  // little-endian on every machine Hearth builds for
  CHECK(n % 8 == 0);                 // padded, so the data is aligned
  const std::string header = bytes.substr(8, n);
  CHECK_THAT(header, ContainsSubstring(R"("layers.0.weight":{"data_offsets":[0,16],"dtype":"F32","shape":[2,2]})"));
  CHECK_THAT(header, ContainsSubstring(R"("__metadata__":{"format":"pt","job":"mlp"})"));
  CHECK(bytes.size() == 8 + n + 16 + 8 + 8);
  CHECK(bytes.substr(8 + n, 16) == f32({1, 2, 3, 4}));

  SafetensorsFile back = read_safetensors(dir / "m.safetensors");
  REQUIRE(back.tensors.size() == 4);
  CHECK(back.tensors[0].name == "layers.0.weight");  // file order
  CHECK(back.tensors[1].bytes == f32({5, 6}));
  CHECK(back.tensors[2].shape.empty());
  CHECK(back.metadata == file.metadata);
}

TEST_CASE("what safetensors cannot hold is refused naming the tensor", "[export][safetensors]") {
  TempDir dir;
  auto refused = [&](SafetensorsTensor t) {
    SafetensorsFile f;
    f.tensors = {std::move(t)};
    return f;
  };
  CHECK_THROWS_WITH(write_safetensors(dir / "a", refused({"x", "C64", {1}, std::string(8, '\0')})), ContainsSubstring("tensor 'x' has dtype 'C64'"));
  CHECK_THROWS_WITH(write_safetensors(dir / "a", refused({"x", "F32", {3}, f32({1})})), ContainsSubstring("do not match its shape"));
  CHECK_THROWS_WITH(write_safetensors(dir / "a", refused({"", "F32", {1}, f32({1})})), ContainsSubstring("cannot hold"));
  SafetensorsFile twice;
  twice.tensors = {{"w", "F32", {1}, f32({1})}, {"w", "F32", {1}, f32({2})}};
  CHECK_THROWS_WITH(write_safetensors(dir / "a", twice), ContainsSubstring("'w' appears twice"));
  CHECK_FALSE(fs::exists(dir / "a"));
}

TEST_CASE("a hostile safetensors file is refused naming the file and the tensor", "[export][safetensors]") {
  TempDir dir;
  const fs::path f = dir / "bad.safetensors";
  const std::string one = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  SECTION("a header length past the file") {
    forge(f, one, f32({1, 2}), uint64_t{1} << 40);
    CHECK_THROWS_WITH(read_safetensors(f), ContainsSubstring("more than the file holds"));
  }
  SECTION("a header that is not JSON") {
    forge(f, "{nope", "");
    CHECK_THROWS_WITH(read_safetensors(f), ContainsSubstring("not a JSON object"));
  }
  SECTION("bytes that do not match the shape") {
    forge(f, R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", f32({1, 2}));
    CHECK_THROWS_WITH(read_safetensors(f), ContainsSubstring("tensor 'w' holds 8 bytes where its shape and dtype need 12"));
  }
  SECTION("overlapping tensors") {
    forge(f, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", f32({1, 2}));
    CHECK_THROWS_WITH(read_safetensors(f), ContainsSubstring("overlap"));
  }
  SECTION("bytes outside the data") {
    forge(f, R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", f32({1, 2}));
    CHECK_THROWS_WITH(read_safetensors(f), ContainsSubstring("outside the file's data"));
  }
  SECTION("a shape that overflows") {
    forge(f, R"({"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", f32({1, 2}));
    CHECK_THROWS_WITH(read_safetensors(f), ContainsSubstring("too large"));
  }
  SECTION("an unknown dtype and trailing bytes") {
    forge(f, R"({"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", f32({1, 2}));
    CHECK_THROWS_WITH(read_safetensors(f), ContainsSubstring("unknown dtype \"Q4\""));
    forge(f, one, f32({1, 2, 3}));
    CHECK_THROWS_WITH(read_safetensors(f), ContainsSubstring("4 bytes after the last tensor"));
  }
  SECTION("a FIFO") {
    REQUIRE(::mkfifo(f.c_str(), 0600) == 0);
    CHECK_THROWS_WITH(read_safetensors(f), ContainsSubstring("FIFO"));
  }
}
