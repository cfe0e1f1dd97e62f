// C++ programs' way into hearth/embed.h: a session that closes itself, failures as exceptions
// (on this side of the C API only), and arrays made from pointers and shapes.
//
//   hearth::embed::Session session(hearth::embed::Session::from_file("surrogate.toml", "runs"));
//   double loss = session.train_step({hearth::embed::floats(x, {64, 1})}, {hearth::embed::floats(y, {64, 1})});
//   if (session.end_epoch()) ...
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "hearth/embed.h"

namespace hearth::embed {

/// A failed call: its status and hearth_embed_last_error()'s message.
class Failure : public std::runtime_error {
 public:
  Failure(hearth_embed_status status, const std::string& call)
      : std::runtime_error(call + ": " + hearth_embed_last_error()), status_(status) {}
  hearth_embed_status status() const { return status_; }

 private:
  hearth_embed_status status_;
};

inline void check(hearth_embed_status status, const char* call) {
  if (status != HEARTH_EMBED_OK) throw Failure(status, call);
}

/// An array the program owns, with its shape kept alongside (the C struct points into it).
class Array {
 public:
  Array(void* data, hearth_embed_dtype dtype, std::vector<int64_t> shape, std::vector<int64_t> strides = {})
      : shape_(std::move(shape)), strides_(std::move(strides)) {
    hearth_embed_array_init(&array_, data, dtype, static_cast<int32_t>(shape_.size()), shape_.data());
    if (!strides_.empty()) array_.strides = strides_.data();
  }
  Array(const Array& other) : Array(other.array_.data, other.array_.dtype, other.shape_, other.strides_) {}
  Array& operator=(const Array&) = delete;
  const hearth_embed_array& c() const { return array_; }
  hearth_embed_array& c() { return array_; }

 private:
  std::vector<int64_t> shape_, strides_;
  hearth_embed_array array_{};
};

/// float32 data of `shape`, C order.
inline Array floats(float* data, std::vector<int64_t> shape) { return Array(data, HEARTH_EMBED_FLOAT32, std::move(shape)); }

/// An open session; closed when it goes (run.json then says how training ended).
class Session {
 public:
  /// A session on a job file, its run under `runs_dir` ("": the job's [job] runs).
  static Session from_file(const std::string& job_file, const std::string& runs_dir = "") {
    hearth_embed_params p;
    hearth_embed_default_params(&p);
    p.job_file = job_file.c_str();
    p.runs_dir = runs_dir.empty() ? nullptr : runs_dir.c_str();
    return Session(p);
  }
  /// A session continuing the run folder `run` from its `last` checkpoint.
  static Session resume(const std::string& run) {
    hearth_embed_params p;
    hearth_embed_default_params(&p);
    p.resume = run.c_str();
    return Session(p);
  }
  explicit Session(const hearth_embed_params& params) { check(hearth_embed_open(&params, &session_), "hearth_embed_open"); }
  Session(Session&& other) noexcept : session_(std::exchange(other.session_, nullptr)) {}
  Session& operator=(Session&&) = delete;
  Session(const Session&) = delete;
  ~Session() { hearth_embed_close(session_); }

  double train_step(const std::vector<Array>& inputs, const std::vector<Array>& targets) {
    std::vector<hearth_embed_array> in = c_arrays(inputs), out = c_arrays(targets);
    double loss = 0;
    check(hearth_embed_train_step(session_, in.data(), in.size(), out.data(), out.size(), &loss), "hearth_embed_train_step");
    return loss;
  }
  double eval_step(const std::vector<Array>& inputs, const std::vector<Array>& targets) {
    std::vector<hearth_embed_array> in = c_arrays(inputs), out = c_arrays(targets);
    double loss = 0;
    check(hearth_embed_eval_step(session_, in.data(), in.size(), out.data(), out.size(), &loss), "hearth_embed_eval_step");
    return loss;
  }
  void predict(const std::vector<Array>& inputs, std::vector<Array>& outputs) {
    std::vector<hearth_embed_array> in = c_arrays(inputs), out = c_arrays(outputs);
    check(hearth_embed_predict(session_, in.data(), in.size(), out.data(), out.size()), "hearth_embed_predict");
  }
  void log_scalar(const std::string& name, double value) {
    check(hearth_embed_log_scalar(session_, name.c_str(), value), "hearth_embed_log_scalar");
  }
  /// Whether training should end here.
  bool end_epoch() {
    int stop = 0;
    check(hearth_embed_end_epoch(session_, &stop), "hearth_embed_end_epoch");
    return stop != 0;
  }
  void save() { check(hearth_embed_save(session_), "hearth_embed_save"); }
  std::string run_folder() const { return hearth_embed_run_folder(session_); }
  int64_t step_count() const { return hearth_embed_step_count(session_); }
  /// This process's rank among the program's ranks, and how many there are (0 and 1 alone).
  std::pair<int32_t, int32_t> world() const {
    int32_t rank = 0, size = 1;
    check(hearth_embed_world(session_, &rank, &size), "hearth_embed_world");
    return {rank, size};
  }

 private:
  static std::vector<hearth_embed_array> c_arrays(const std::vector<Array>& arrays) {
    std::vector<hearth_embed_array> out;
    for (const Array& a : arrays) out.push_back(a.c());
    return out;
  }
  hearth_embed_session* session_ = nullptr;
};

}  // namespace hearth::embed
