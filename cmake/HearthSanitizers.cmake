# HEARTH_SANITIZE: a comma-separated list given to -fsanitize= for every target, Hearth's and the
# test plugins' alike ("address,undefined" in the `sanitize` preset). Empty by default.
# Undefined behaviour stops the program (no recovery), so a test that meets it fails rather than
# printing a warning nobody reads.
set(HEARTH_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address,undefined (empty: none)")
if(HEARTH_SANITIZE)
  add_compile_options(-fsanitize=${HEARTH_SANITIZE} -fno-omit-frame-pointer)
  if(HEARTH_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
  add_link_options(-fsanitize=${HEARTH_SANITIZE})
  message(STATUS "Hearth: built with -fsanitize=${HEARTH_SANITIZE}")
endif()
