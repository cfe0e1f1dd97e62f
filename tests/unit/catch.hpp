// The one place where Catch2 2 (Debian 12: 2.13) and Catch2 3 (Debian 13: 3.7) differ for the tests.
// Tests include this header and spell matchers the Catch2 3 way: ContainsSubstring, Matches, Approx.
#pragma once

#if HEARTH_CATCH2_MAJOR >= 3
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

using Catch::Approx;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::Matches;

/// Skips the running test, so that CTest lists it as skipped, not passed: Catch2 3's SKIP exits
/// with 4, which its catch_discover_tests declares as the skip code.
#define HEARTH_SKIP(message) SKIP(message)
#else
#include <catch2/catch.hpp>

#include <string>

// Catch2 2 calls it Contains; Catch2 3 gave that name to the container matcher.
inline Catch::Matchers::StdString::ContainsMatcher ContainsSubstring(const std::string& s) {
  return Catch::Matchers::Contains(s);
}
using Catch::Matchers::Matches;

#include <cstdlib>
#include <iostream>

/// Catch2 2 has no SKIP: the test process says why and exits with 77, which tests/CMakeLists.txt
/// declares as the skip code for Catch2 2.
#define HEARTH_SKIP(message)                               \
  do {                                                     \
    std::cout << "SKIPPED: " << (message) << std::endl;  \
    std::_Exit(77);                                        \
  } while (false)
#endif
