# rtosfuzz_criterion_suite(<target> KERNEL <lib> SOURCES <src...> [LIBS <libs...>])
# Builds a Criterion test binary against a kernel library (and LIBS, e.g. a
# driver) and registers one
# CTest test per Test(suite, name) found in its sources, named
# <prefix><suite>.<name> (PREFIX is optional), so `ctest -R` selects them;
# NO_TESTS builds the binary without registering its tests.
find_package(PkgConfig REQUIRED)
pkg_check_modules(CRITERION REQUIRED IMPORTED_TARGET criterion)

set(RTOSFUZZ_UNIT_SUPPORT ${CMAKE_SOURCE_DIR}/unit/support/unit_support.c)

function(rtosfuzz_criterion_suite target)
  cmake_parse_arguments(S "NO_TESTS" "KERNEL;PREFIX" "SOURCES;LIBS" ${ARGN})
  add_executable(${target} ${S_SOURCES} ${RTOSFUZZ_UNIT_SUPPORT})
  target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/unit/support ${RTOSFUZZ_KERNEL_INCLUDE} ${CMAKE_SOURCE_DIR}/kernel/mm)
  if(S_LIBS) # a driver: link it with its contract code and the kernel as one group
    target_link_libraries(${target} PRIVATE "$<LINK_GROUP:RESCAN,${S_LIBS},driver_contract,${S_KERNEL}>")
  endif()
  target_link_libraries(${target} PRIVATE ${S_KERNEL} PkgConfig::CRITERION)
  if(S_NO_TESTS) # built only to run under rtosfuzz_expect_caught
    return()
  endif()
  foreach(src ${S_SOURCES})
    file(STRINGS ${src} lines REGEX "^[ \t]*Test[ \t]*\\([ \t]*[A-Za-z0-9_]+[ \t]*,[ \t]*[A-Za-z0-9_]+")
    foreach(line ${lines})
      string(REGEX REPLACE "^[ \t]*Test[ \t]*\\([ \t]*([A-Za-z0-9_]+)[ \t]*,[ \t]*([A-Za-z0-9_]+).*" "\\1;\\2" st "${line}")
      list(GET st 0 suite)
      list(GET st 1 name)
      set(test ${S_PREFIX}${suite}.${name})
      add_test(NAME ${test} COMMAND ${target} --filter=${suite}/${name} --jobs=1)
      set_tests_properties(${test} PROPERTIES
        FAIL_REGULAR_EXPRESSION "${RTOSFUZZ_FAIL_REGEX};Tested: 0 "
        ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1")
    endforeach()
  endforeach()
endfunction()

# rtosfuzz_negative_control(<bug> KERNEL_DEFINE <def> SOURCES <src...> FILTER <f> EXPECT <regex>)
# Builds a test copy of the kernel with one seeded bug and runs a suite
# against it: the test passes only if the output shows the oracle meant to
# catch that bug (EXPECT), i.e. the check is proven able to fail.
# With PATCH <file> instead of KERNEL_DEFINE, the seeded bug is a patch
# applied to a copy of one kernel source (rtosfuzz_patched_kernel_library).
function(rtosfuzz_negative_control bug)
  cmake_parse_arguments(N "" "KERNEL_DEFINE;PATCH;FILTER;EXPECT" "SOURCES" ${ARGN})
  if(N_PATCH)
    rtosfuzz_patched_kernel_library(rtos_kernel_${bug} ${N_PATCH})
  else()
    rtosfuzz_kernel_library(rtos_kernel_${bug} ${N_KERNEL_DEFINE})
  endif()
  add_executable(negctl_${bug} ${N_SOURCES} ${RTOSFUZZ_UNIT_SUPPORT})
  target_include_directories(negctl_${bug} PRIVATE ${CMAKE_SOURCE_DIR}/unit/support ${RTOSFUZZ_KERNEL_INCLUDE} ${CMAKE_SOURCE_DIR}/kernel/mm)
  target_link_libraries(negctl_${bug} PRIVATE rtos_kernel_${bug} PkgConfig::CRITERION)
  rtosfuzz_expect_caught(${bug} TARGET negctl_${bug} FILTER ${N_FILTER} EXPECT ${N_EXPECT})
endfunction()

# rtosfuzz_expect_caught(<name> TARGET <criterion exe> FILTER <f> EXPECT <regex>)
# Registers negative_control.<name>: passes only if running the filtered
# tests of TARGET prints EXPECT (the failure message of the check that must
# catch the seeded bug) and no sanitizer report.
function(rtosfuzz_expect_caught name)
  cmake_parse_arguments(N "" "TARGET;FILTER;EXPECT" "" ${ARGN})
  add_test(NAME negative_control.${name} COMMAND ${N_TARGET} --filter=${N_FILTER} --jobs=1)
  set_tests_properties(negative_control.${name} PROPERTIES
    PASS_REGULAR_EXPRESSION "${N_EXPECT}"
    FAIL_REGULAR_EXPRESSION "${RTOSFUZZ_FAIL_REGEX}")
endfunction()
