// Catch2 2's main; Catch2 3 links Catch2::Catch2WithMain instead (tests/CMakeLists.txt).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
