# hearth_torch_includes_after_system(): official LibTorch archives and PyTorch wheels carry their
# own {fmt} (a newer release than Debian's) in their include folder. Searched before the system's,
# it would shadow the {fmt} that the system's spdlog was built against, and spdlog then fails to
# compile. Where that folder holds fmt/, LibTorch's include folders are searched after the
# system's instead (-idirafter); LibTorch's own headers need nothing that {fmt} 9 lacks. Sets
# HEARTH_TORCH_INCLUDE_OPTIONS: what a target that wants LibTorch's headers without linking it
# (hearth_core reads torch/version.h) adds to its compile options.
function(hearth_torch_includes_after_system)
  set(_shadowing FALSE)
  foreach(_dir IN LISTS TORCH_INCLUDE_DIRS)
    if(EXISTS "${_dir}/fmt/format.h")
      set(_shadowing TRUE)
    endif()
  endforeach()
  if(NOT _shadowing)
    foreach(_dir IN LISTS TORCH_INCLUDE_DIRS)
      list(APPEND _plain "-I${_dir}")
    endforeach()
    set(HEARTH_TORCH_INCLUDE_OPTIONS "${_plain}" PARENT_SCOPE)
    return()
  endif()
  set(_after "")
  foreach(_dir IN LISTS TORCH_INCLUDE_DIRS)
    list(APPEND _after "SHELL:-idirafter ${_dir}")
  endforeach()
  foreach(_target torch torch_cpu torch_cuda c10 c10_cuda torch_library)
    if(NOT TARGET ${_target})
      continue()
    endif()
    get_target_property(_includes ${_target} INTERFACE_INCLUDE_DIRECTORIES)
    if(_includes)
      list(REMOVE_ITEM _includes ${TORCH_INCLUDE_DIRS})
      set_property(TARGET ${_target} PROPERTY INTERFACE_INCLUDE_DIRECTORIES "${_includes}")
    endif()
    set_property(TARGET ${_target} APPEND PROPERTY INTERFACE_COMPILE_OPTIONS ${_after})
  endforeach()
  message(STATUS "LibTorch's include folders carry their own {fmt}: searched after the system's (-idirafter)")
  set(HEARTH_TORCH_INCLUDE_OPTIONS "${_after}" PARENT_SCOPE)
endfunction()
