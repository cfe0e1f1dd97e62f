# HEARTH_SANITIZE: a comma-separated list given to -fsanitize= for every target, Hearth's and the
# test plugins' alike ("address,undefined" in the `sanitize` preset, built with Clang). Empty by
# default. Undefined behaviour stops the program (no recovery), so a test that meets it fails
# rather than printing a warning nobody reads.
set(HEARTH_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address,undefined (empty: none)")
if(HEARTH_SANITIZE)
  add_compile_options(-fsanitize=${HEARTH_SANITIZE} -fno-omit-frame-pointer)
  if(HEARTH_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
  add_link_options(-fsanitize=${HEARTH_SANITIZE})
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # Clang's checks of calls through function pointers have no handler in GCC's runtime, which
    # the Fortran programs (linked by gfortran) load: left out, as GCC leaves them out.
    add_compile_options($<$<COMPILE_LANGUAGE:C,CXX>:-fno-sanitize=function>)
    # A C program linking a C++ library (the embedding drivers) needs the C++ half of UBSan's
    # runtime, which Clang links only into C++ programs unless told.
    add_link_options($<$<AND:$<LINK_LANGUAGE:C>,$<C_COMPILER_ID:Clang>>:-fsanitize-link-c++-runtime>)
  endif()
  message(STATUS "Hearth: built with -fsanitize=${HEARTH_SANITIZE}")
endif()
