#include "engine/runs/tensorboard_writer.hpp"

#include <algorithm>
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

namespace {

/// An Event holding one Summary.Value with `tag` and the value field `field` (bytes).
std::string value_event(const std::string& tag, int field, const std::string& value, int64_t step) {
  std::string v;
  bytes_field(v, 1, tag);
  bytes_field(v, field, value);
  std::string summary;
  bytes_field(summary, 1, v);
  std::string e = event(now_seconds(), step);
  bytes_field(e, 5, summary);
  return e;
}

void double_field(std::string& out, int field, double value) {
  varint(out, static_cast<uint64_t>(field << 3 | 1));
  fixed(out, value);
}

void packed_doubles(std::string& out, int field, const std::vector<double>& values) {
  std::string packed;
  for (double d : values) fixed(packed, d);
  bytes_field(out, field, packed);
}

}  // namespace

void TensorBoardWriter::image(const std::string& tag, const std::string& png, int width, int height, int64_t step) {
  std::string img;
  varint(img, 1 << 3 | 0);  // Summary.Image.height
  varint(img, static_cast<uint64_t>(height));
  varint(img, 2 << 3 | 0);  // width
  varint(img, static_cast<uint64_t>(width));
  varint(img, 3 << 3 | 0);  // colorspace: 4 = RGBA
  varint(img, 4);
  bytes_field(img, 4, png);  // encoded_image_string
  record(value_event(tag, 4, img, step));  // Summary.Value.image
}

void TensorBoardWriter::histogram(const std::string& tag, const std::vector<double>& values, int64_t step, int buckets) {
  if (values.empty()) return;
  double lo = values[0], hi = values[0], sum = 0, squares = 0;
  for (double v : values) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
    squares += v * v;
  }
  // Equal buckets over [lo, hi]; TensorBoard reads each bucket as ending at its limit.
  const int n = hi > lo ? std::max(buckets, 1) : 1;
  std::vector<double> limits(static_cast<size_t>(n)), counts(static_cast<size_t>(n), 0.0);
  for (int i = 0; i < n; ++i) limits[static_cast<size_t>(i)] = n == 1 ? hi : lo + (hi - lo) * (i + 1) / n;
  for (double v : values) {
    int i = n == 1 ? 0 : static_cast<int>((v - lo) / (hi - lo) * n);
    counts[static_cast<size_t>(std::clamp(i, 0, n - 1))] += 1;
  }
  std::string h;
  double_field(h, 1, lo);   // HistogramProto.min
  double_field(h, 2, hi);   // max
  double_field(h, 3, static_cast<double>(values.size()));  // num
  double_field(h, 4, sum);  // sum
  double_field(h, 5, squares);  // sum_squares
  packed_doubles(h, 6, limits);  // bucket_limit
  packed_doubles(h, 7, counts);  // bucket
  record(value_event(tag, 5, h, step));  // Summary.Value.histo
}

namespace {

void varint_field(std::string& out, int field, uint64_t value) {
  varint(out, static_cast<uint64_t>(field << 3 | 0));
  varint(out, value);
}

/// google.protobuf.Value of a hyperparameter.
std::string proto_value(const HParam& p) {
  std::string v;
  if (const double* d = std::get_if<double>(&p.value)) double_field(v, 2, *d);  // number_value
  else if (const std::string* s = std::get_if<std::string>(&p.value)) bytes_field(v, 3, *s);  // string_value
  else varint_field(v, 4, std::get<bool>(p.value) ? 1 : 0);  // bool_value
  return v;
}

/// An Event holding one Summary.Value with `tag` and no value, its metadata naming the hparams
/// plugin with `content` (a serialised HParamsPluginData), as TensorBoard's own summary writes it.
std::string hparams_event(const std::string& tag, const std::string& content) {
  std::string plugin;
  bytes_field(plugin, 1, "hparams");  // PluginData.plugin_name
  bytes_field(plugin, 2, content);    // content
  std::string metadata;
  bytes_field(metadata, 1, plugin);   // SummaryMetadata.plugin_data
  std::string v;
  bytes_field(v, 1, tag);
  bytes_field(v, 9, metadata);        // Summary.Value.metadata
  std::string summary;
  bytes_field(summary, 1, v);
  std::string e = event(now_seconds(), 0);
  bytes_field(e, 5, summary);
  return e;
}

}  // namespace

void TensorBoardWriter::hparams_start(const std::vector<HParam>& params, const std::string& metric_tag) {
  std::string experiment;
  for (const HParam& p : params) {
    std::string info;
    bytes_field(info, 1, p.name);  // HParamInfo.name
    // DataType: 1 string, 2 bool, 3 float64
    varint_field(info, 4, std::holds_alternative<double>(p.value) ? 3 : std::holds_alternative<bool>(p.value) ? 2 : 1);
    bytes_field(experiment, 4, info);  // Experiment.hparam_infos
  }
  std::string metric_name, metric;
  bytes_field(metric_name, 2, metric_tag);  // MetricName.tag
  bytes_field(metric, 1, metric_name);      // MetricInfo.name
  bytes_field(experiment, 5, metric);       // Experiment.metric_infos
  std::string data;
  varint_field(data, 1, 0);         // HParamsPluginData.version
  bytes_field(data, 2, experiment);  // experiment
  record(hparams_event("_hparams_/experiment", data));

  std::string start;
  for (const HParam& p : params) {
    std::string entry;
    bytes_field(entry, 1, p.name);          // map entry key
    bytes_field(entry, 2, proto_value(p));  // value
    bytes_field(start, 1, entry);           // SessionStartInfo.hparams
  }
  double_field(start, 5, now_seconds());    // start_time_secs
  data.clear();
  varint_field(data, 1, 0);
  bytes_field(data, 3, start);  // session_start_info
  record(hparams_event("_hparams_/session_start_info", data));
  flush();
}

void TensorBoardWriter::hparams_end(bool success) {
  std::string end;
  varint_field(end, 1, success ? 1 : 2);  // SessionEndInfo.status: STATUS_SUCCESS or STATUS_FAILURE
  double_field(end, 2, now_seconds());     // end_time_secs
  std::string data;
  varint_field(data, 1, 0);
  bytes_field(data, 4, end);  // session_end_info
  record(hparams_event("_hparams_/session_end_info", data));
  flush();
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
