# Every third-party package Hearth uses; all come from Debian 12 or 13 (see scripts/setup.sh).
# LibTorch may also be an official archive or a PyTorch wheel's, given by CMAKE_PREFIX_PATH.
find_package(Torch REQUIRED)
# Everything must agree with LibTorch on the libstdc++ ABI, torch-free targets included: the flag
# comes from the Torch package found (0 in some official archives and wheels, 1 in Debian's).
if(TORCH_CXX_FLAGS)
  separate_arguments(_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
  add_compile_options(${_torch_flags})
endif()
include(HearthTorchSummary)
hearth_torch_summary()
include(HearthTorchIncludes)
hearth_torch_includes_after_system()
# PyTorch wheels' libtorch.so exports copies of some libstdc++ functions (std::filesystem's among
# them) that crash when called from outside it. A program that links LibTorch would bind to those
# copies, as libtorch.so comes first among its libraries; naming libstdc++ first makes the
# system's copy the one every call binds to.
add_link_options("SHELL:-Wl,--push-state,--no-as-needed" -lstdc++ "SHELL:-Wl,--pop-state")
# Headers only: Boost.DLL uses std::filesystem, so no Boost library is linked (and a machine whose
# Boost headers are another release than any Boost library it has still builds).
find_package(Boost 1.74 REQUIRED)
add_compile_definitions(BOOST_DLL_USE_STD_FS)
find_package(tomlplusplus REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(CAIRO REQUIRED IMPORTED_TARGET GLOBAL cairo)
find_package(ZLIB REQUIRED)
find_package(LibArchive REQUIRED)
# Image decoding of the image datasets: libjpeg-turbo (scaled decoding) and libspng (straight alpha).
pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET GLOBAL libturbojpeg)
pkg_check_modules(SPNG REQUIRED IMPORTED_TARGET GLOBAL spng)
