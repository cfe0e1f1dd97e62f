// Runs a Python script with Debian's python3, for what only Python does (the ATen-to-ONNX
// conversion lives in PyTorch's Python package; LibTorch has none).
#pragma once

#include <string>
#include <vector>

namespace hearth {

/// How a script run ended.
struct PythonResult {
  int exit_code = -1;  ///< -1: killed by a signal or never started
  std::string output;  ///< stdout and stderr together
};

/// The interpreter: $HEARTH_PYTHON when set, else /usr/bin/python3 (Debian's, which sees
/// python3-torch; a python3 earlier on PATH, from pyenv or a virtualenv, may not).
std::string python_interpreter();

/// Runs `script` (its text, passed with -c) with `args`; output goes to a temporary file, so a
/// chatty script cannot fill a pipe and stall. Throws Error when the interpreter cannot start.
PythonResult run_python(const std::string& script, const std::vector<std::string>& args);

}  // namespace hearth
