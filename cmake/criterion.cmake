# rtosfuzz_criterion_suite(<target> <sources...>)
# Builds a Criterion test binary and registers one CTest test per Test()
# found in its sources, named <suite>.<test>, so `ctest -R` selects them.
find_package(PkgConfig REQUIRED)
pkg_check_modules(CRITERION REQUIRED IMPORTED_TARGET criterion)

function(rtosfuzz_criterion_suite target)
  add_executable(${target} ${ARGN})
  target_link_libraries(${target} PRIVATE rtos_kernel PkgConfig::CRITERION)
  foreach(src ${ARGN})
    file(STRINGS ${src} lines REGEX "^[ \t]*Test[ \t]*\\([ \t]*[A-Za-z0-9_]+[ \t]*,[ \t]*[A-Za-z0-9_]+")
    foreach(line ${lines})
      string(REGEX REPLACE "^[ \t]*Test[ \t]*\\([ \t]*([A-Za-z0-9_]+)[ \t]*,[ \t]*([A-Za-z0-9_]+).*" "\\1;\\2" st "${line}")
      list(GET st 0 suite)
      list(GET st 1 name)
      add_test(NAME ${suite}.${name}
               COMMAND ${target} --filter=${suite}/${name} --jobs=1)
      set_tests_properties(${suite}.${name} PROPERTIES
        FAIL_REGULAR_EXPRESSION "${RTOSFUZZ_FAIL_REGEX};Tested: 0 "
        ENVIRONMENT "ASAN_OPTIONS=abort_on_error=0:detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1")
    endforeach()
  endforeach()
endfunction()
