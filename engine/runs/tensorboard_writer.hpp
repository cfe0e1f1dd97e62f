// TensorBoard event files written directly: TFRecord framing (length, masked CRC-32C of the
// length, payload, masked CRC-32C of the payload) around hand-encoded Event/Summary protobufs.
// Scalars, PNG images and histograms: the few messages Hearth writes, hand-encoded with their
// field numbers from TensorBoard's summary.proto, keep protobuf out of the build.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

namespace hearth {

/// CRC-32C (Castagnoli). No Debian package offers it as a library; it is a table and a loop.
uint32_t crc32c(const void* data, size_t size);

/// One hyperparameter of a run for TensorBoard's HParams dashboard: a number, a flag or text.
struct HParam {
  std::string name;
  std::variant<double, bool, std::string> value;
};

class TensorBoardWriter {
 public:
  /// Opens (appends to) events.out.tfevents.<time>.hearth in `folder`; writes the version event.
  explicit TensorBoardWriter(const std::filesystem::path& folder);
  void scalar(const std::string& tag, double value, int64_t step);
  /// A PNG picture (its bytes) of width x height with 4 channels (RGBA).
  void image(const std::string& tag, const std::string& png, int width, int height, int64_t step);
  /// The distribution of `values` in `buckets` equal buckets between their least and largest.
  void histogram(const std::string& tag, const std::vector<double>& values, int64_t step, int buckets = 30);
  /// The HParams plugin's records of a run: its experiment (the hyperparameters and `metric_tag`,
  /// a scalar this file holds) and its session start with the values.
  void hparams_start(const std::vector<HParam>& params, const std::string& metric_tag);
  /// The HParams plugin's session end: whether the run succeeded.
  void hparams_end(bool success);
  void flush() { out_.flush(); }
  const std::filesystem::path& file() const { return file_; }

 private:
  void record(const std::string& payload);
  std::filesystem::path file_;
  std::ofstream out_;
};

}  // namespace hearth
