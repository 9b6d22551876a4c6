#!/bin/bash -eu
# Builds rtosfuzz's fuzz targets for OSS-Fuzz and ClusterFuzzLite through
# the project's own CMake: the oss-fuzz preset (CMakePresets.json) compiles
# them with $CC $CFLAGS and links them with $CXX $CXXFLAGS
# $LIB_FUZZING_ENGINE; `cmake --install` puts each in $OUT with its
# <name>_seed_corpus.zip, <name>.options and, where one helps, <name>.dict
# (fuzz/oss-fuzz/CMakeLists.txt says which, fuzz/oss-fuzz/README.md why).
# Nothing here picks a sanitizer or an engine, the builder's variables do:
# the same script gives the libFuzzer and AFL++ builds and the address,
# undefined and coverage ones. Intermediate files go to $WORK/rtosfuzz.
#
#   RTOSFUZZ_DRIVER=path/to/driver.c (or .a; ENV in the Dockerfile): your
#       driver in the system harness, as $OUT/fuzz_system_custom
#   RTOSFUZZ_NEGATIVE_CONTROL_DIR=DIR (fuzz/oss-fuzz/check.sh sets it): the
#       vendor driver's target, which finds known leaks, into DIR and never
#       into $OUT
# By its real path: fuzz/oss-fuzz/check.sh links $SRC/rtosfuzz to a checkout
# that may hold $WORK, and CMake fails on a build tree inside a source tree
# it reached through a link.
cd -P "$SRC/rtosfuzz"
args=()
if [ -n "${RTOSFUZZ_DRIVER:-}" ]; then args+=("-DRTOSFUZZ_DRIVER:FILEPATH=$RTOSFUZZ_DRIVER"); fi
if [ -n "${RTOSFUZZ_NEGATIVE_CONTROL_DIR:-}" ]; then args+=("-DRTOSFUZZ_NEGATIVE_CONTROL_DIR:PATH=$RTOSFUZZ_NEGATIVE_CONTROL_DIR"); fi
rm -rf "$WORK/rtosfuzz"
cmake --preset oss-fuzz ${args[@]+"${args[@]}"}
cmake --build --preset oss-fuzz
cmake --install "$WORK/rtosfuzz"
