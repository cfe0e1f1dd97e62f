// A C++ SDK model that works, then takes the process down in forward the way a broken plugin
// does: a segfault, an abort, an integer division by zero, a call to exit(), runaway recursion.
#include <hearth/plugin.hpp>

#include <csignal>
#include <cstdlib>
#include <string>

namespace {

volatile int g_zero = 0;

// The crashes are deliberate: UndefinedBehaviorSanitizer (the sanitize preset) would stop them
// before they happen, so it is switched off here, and here only.
#define HEARTH_DELIBERATE_CRASH __attribute__((no_sanitize("undefined")))

// Recursion without end is the point: Clang's warning about it is silenced here alone.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
HEARTH_DELIBERATE_CRASH int recurse(volatile int depth) {
  volatile char frame[4096];
  frame[0] = static_cast<char>(depth);
  return recurse(depth + 1) + frame[0];
}
#pragma GCC diagnostic pop

class CrashesAfter : public hearth::Model {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::integer("calls", 10).min(0).doc("Forward calls that succeed"),
            hearth::Param::string("how", "segv").choices({"segv", "abort", "fpe", "exit", "exit0", "stack"}).doc("How forward ends the process"),
            hearth::Param::integer("rank", -1).min(-1).doc("Crash only on this rank (RANK in the environment); -1: on every one"),
            hearth::Param::integer("in_features", 8).min(1).doc("Input width"),
            hearth::Param::integer("out_features", 3).min(1).doc("Output width")};
  }
  explicit CrashesAfter(const hearth::Params& p)
      : calls_(p.get<int64_t>("calls")), how_(p.get<std::string>("how")), crashes_here_(on_this_rank(p.get<int64_t>("rank"))) {
    linear_ = register_module("linear", torch::nn::Linear(p.get<int64_t>("in_features"), p.get<int64_t>("out_features")));
  }
  hearth::TensorList forward(const hearth::TensorList& inputs) override {
    if (++count_ > calls_ && crashes_here_) crash();
    return {linear_->forward(inputs.at(0).flatten(1))};
  }

 private:
  HEARTH_DELIBERATE_CRASH void crash() const {
    if (how_ == "segv") *static_cast<volatile int*>(nullptr) = 1;
    if (how_ == "abort") std::abort();
    if (how_ == "fpe") std::exit(100 / g_zero);  // the division traps before exit is reached
    if (how_ == "exit") std::exit(3);
    if (how_ == "exit0") std::exit(0);
    if (how_ == "stack") std::exit(recurse(0));
  }
  static bool on_this_rank(int64_t rank) {
    const char* mine = std::getenv("RANK");
    return rank < 0 || (mine != nullptr && std::to_string(rank) == mine);
  }
  int64_t calls_;
  std::string how_;
  bool crashes_here_;
  int64_t count_ = 0;
  torch::nn::Linear linear_{nullptr};
};

}  // namespace

HEARTH_REGISTER(CrashesAfter, "crashes_after", "A model that crashes the process after some calls", "For tests.")
HEARTH_PACK("crashing_pack", "0.0.1")
