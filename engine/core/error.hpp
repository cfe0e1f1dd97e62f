// Exceptions used inside the engine; the host prints them once, at the top.
#pragma once

#include <stdexcept>
#include <string>

namespace hearth {

/// Any failure inside the engine; the message is complete and says what to do.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The user's input (job, option, file) is wrong.
struct UsageError : Error {
  using Error::Error;
};

/// A plugin failed or was refused; the message names the plugin file and module.
struct PluginError : Error {
  using Error::Error;
};

}  // namespace hearth
