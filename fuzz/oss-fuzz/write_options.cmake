# cmake (-DMAX_LEN=<bytes> | -DCOMPILE_SEEDS=<compile_seeds>) -DOUT=<file> -P write_options.cmake
# Writes a fuzz target's <name>.options for the infrastructure: libFuzzer's
# max_len, given, or a harness input's longest useful length as
# compile_seeds --max-len prints it (FUZZ_MAX_INPUT_LEN, fuzz/fuzz_input.h:
# bytes past it are never read, so longer inputs only waste the fuzzer's
# time). (fuzz/oss-fuzz/CMakeLists.txt.)
if(COMPILE_SEEDS)
  execute_process(COMMAND ${COMPILE_SEEDS} --max-len OUTPUT_VARIABLE MAX_LEN
                  OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
endif()
if(NOT MAX_LEN MATCHES "^[1-9][0-9]*$")
  message(FATAL_ERROR "write_options.cmake: no max_len (got '${MAX_LEN}')")
endif()
file(WRITE ${OUT} "[libfuzzer]\nmax_len = ${MAX_LEN}\n")
