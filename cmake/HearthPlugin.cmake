# hearth_add_plugin(<target> [CATEGORY <category>] SOURCES <files>...)
#
# Builds a Hearth plugin library: a MODULE linked to Hearth::sdk, with hidden visibility so only
# its entry is exported. Installed with Hearth, so out-of-tree plugins use the same function.
function(hearth_add_plugin target)
  cmake_parse_arguments(ARG "" "CATEGORY;OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "hearth_add_plugin(${target}): give SOURCES")
  endif()
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE Hearth::sdk)
  set_target_properties(${target} PROPERTIES
    CXX_STANDARD 17
    CXX_STANDARD_REQUIRED ON
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  endif()
  if(ARG_CATEGORY)
    set_property(TARGET ${target} PROPERTY HEARTH_CATEGORY ${ARG_CATEGORY})
  endif()
  hearth_no_undefined(${target})
endfunction()

# hearth_no_undefined(<target>): unresolved symbols in a shared library fail its link, not its
# first load. Not under Clang's sanitizers: their runtime is linked into the executable that
# loads the library (GCC's is a shared library each link names), so a sanitized library is left
# with __asan_* and __ubsan_* symbols only its loader defines.
function(hearth_no_undefined target)
  if(NOT (HEARTH_SANITIZE AND CMAKE_CXX_COMPILER_ID MATCHES "Clang"))
    target_link_options(${target} PRIVATE -Wl,--no-undefined)
  endif()
endfunction()
