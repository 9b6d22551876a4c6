# LIBDW, LIBELF and LIBJANSSON for the OSS-Fuzz build: each library and what
# it needs (pkg-config --static) as static archives, in one link group. The
# runner image that executes the fuzzers has no libdw, libelf or
# libjansson; Debian and Ubuntu ship the .a files in the -dev packages the
# Dockerfile installs. The C library's own parts stay shared: they are on
# every runner, and a static libpthread in a dynamic program breaks it.
# Included by the top CMakeLists.txt with RTOSFUZZ_OSS_FUZZ.
find_package(PkgConfig REQUIRED)

# rtosfuzz_static_libs(<var> <pkg-config module>): <var> = the link group.
function(rtosfuzz_static_libs var module)
  pkg_check_modules(PC_${var} REQUIRED ${module})
  set(group)
  foreach(lib ${PC_${var}_STATIC_LIBRARIES})
    if(lib MATCHES "^(pthread|dl|m|rt|c)$")
      list(APPEND group -l${lib})
      continue()
    endif()
    find_library(RTOSFUZZ_STATIC_${lib} NAMES lib${lib}.a)
    if(NOT RTOSFUZZ_STATIC_${lib})
      message(WARNING "no lib${lib}.a: linking -l${lib} shared (the runner image may lack it)")
      set(RTOSFUZZ_STATIC_${lib} -l${lib})
    endif()
    list(APPEND group ${RTOSFUZZ_STATIC_${lib}})
  endforeach()
  list(REMOVE_DUPLICATES group)
  set(${var} -Wl,--start-group ${group} -Wl,--end-group PARENT_SCOPE)
endfunction()

rtosfuzz_static_libs(LIBDW libdw)
rtosfuzz_static_libs(LIBELF libelf)
rtosfuzz_static_libs(LIBJANSSON jansson)
