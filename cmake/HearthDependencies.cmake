# Every third-party package Hearth uses; all come from Debian bookworm (see scripts/setup.sh).
find_package(Torch REQUIRED)
# Everything must agree with LibTorch on the libstdc++ ABI, torch-free targets included.
if(TORCH_CXX_FLAGS)
  separate_arguments(_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
  add_compile_options(${_torch_flags})
endif()
find_package(Boost 1.74 REQUIRED COMPONENTS filesystem)
find_package(tomlplusplus REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(CAIRO REQUIRED IMPORTED_TARGET GLOBAL cairo)
