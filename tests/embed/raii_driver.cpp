// The C++ wrapper of hearth/embed.h (hearth/embed.hpp): a session that closes itself and failures
// as exceptions. raii_driver JOB RUNS_DIR: one epoch of sin(x), a misuse, and the session closed
// by its destructor.
#include <hearth/embed.hpp>

#include <cmath>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  std::string folder;
  try {
    hearth::embed::Session session = hearth::embed::Session::from_file(argv[1], argv[2]);
    folder = session.run_folder();
    float x[16], y[16];
    for (int i = 0; i < 16; ++i) y[i] = std::sin(x[i] = -3.0f + 0.4f * static_cast<float>(i));
    double loss = 0;
    for (int step = 0; step < 5; ++step) loss = session.train_step({hearth::embed::floats(x, {16, 1})}, {hearth::embed::floats(y, {16, 1})});
    std::printf("loss %.6g\n", loss);
    try {
      session.train_step({hearth::embed::floats(x, {8, 2})}, {hearth::embed::floats(y, {16, 1})});
    } catch (const hearth::embed::Failure& e) {
      std::printf("failure %d %s\n", static_cast<int>(e.status()), e.what());
    }
    session.end_epoch();
    std::printf("steps %lld\n", static_cast<long long>(session.step_count()));
    const auto [rank, size] = session.world();
    std::printf("rank %d of %d\n", static_cast<int>(rank), static_cast<int>(size));
  } catch (const hearth::embed::Failure& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  std::printf("closed %s\n", folder.c_str());
  return 0;
}
