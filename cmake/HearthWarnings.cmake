# hearth_warnings(target): the project's warning set, for Hearth's own code only.
function(hearth_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
endfunction()
