# hearth_torch_summary(): prints which LibTorch the build uses (version, folder, libstdc++ ABI
# flag, CUDA), so a build against the wrong one is seen at configure time, and stops at once on
# an ABI the rest of the build cannot link with.
function(hearth_torch_summary)
  # torch/version.h is the truth; TorchConfigVersion.cmake is the fallback.
  set(_version "${Torch_VERSION}")
  foreach(_dir IN LISTS TORCH_INCLUDE_DIRS)
    set(_header "${_dir}/torch/version.h")
    if(EXISTS "${_header}")
      file(STRINGS "${_header}" _lines REGEX "#define TORCH_VERSION_(MAJOR|MINOR|PATCH) ")
      set(_parts "")
      foreach(_line IN LISTS _lines)
        if(_line MATCHES "#define TORCH_VERSION_[A-Z]+ ([0-9]+)")
          list(APPEND _parts "${CMAKE_MATCH_1}")
        endif()
      endforeach()
      list(JOIN _parts "." _version)
      break()
    endif()
  endforeach()
  if(TORCH_CXX_FLAGS MATCHES "_GLIBCXX_USE_CXX11_ABI=([01])")
    set(_abi "${CMAKE_MATCH_1} (from the Torch package)")
    if(CMAKE_MATCH_1 STREQUAL "0")
      # Debian's compiled C++ libraries (spdlog, fmt, Boost.Filesystem, Catch2) use the new ABI:
      # code built with the old one cannot link against them, so say it now, not at link time.
      message(FATAL_ERROR "The LibTorch in ${Torch_DIR} was built with the old libstdc++ ABI "
        "(_GLIBCXX_USE_CXX11_ABI=0); the Debian libraries Hearth links use the new one and cannot be mixed "
        "with it. Use a cxx11-ABI LibTorch (the official 'cxx11 ABI' archive, or PyTorch 2.7 or later) "
        "and give its folder with -DCMAKE_PREFIX_PATH. See docs/install.md.")
    endif()
  else()
    set(_abi "the compiler's default (the Torch package sets none)")
  endif()
  if(TARGET torch_cuda OR TORCH_CUDA_LIBRARIES)
    set(_cuda ON)
  else()
    set(_cuda OFF)
  endif()
  get_filename_component(_where "${Torch_DIR}" ABSOLUTE)
  message(STATUS "LibTorch ${_version} from ${_where}")
  message(STATUS "LibTorch _GLIBCXX_USE_CXX11_ABI: ${_abi}")
  message(STATUS "LibTorch CUDA: ${_cuda}")
endfunction()
