# Compiles every kernel source for a Cortex-M4 with -Werror and checks the
# 32-bit header size stated in the README. Invoked by CTest with -P.
file(MAKE_DIRECTORY ${OUT})
if(DEBUG)
  set(expect_hdr 16)
else()
  set(expect_hdr 8)
endif()
foreach(src ${SOURCES})
  get_filename_component(name ${src} NAME_WE)
  execute_process(
    COMMAND ${CC} -mcpu=cortex-m4 -mthumb -Os -std=c11 -ffreestanding
            -Wall -Wextra -Wshadow -Wcast-align -Wno-unused-parameter -Werror
            -DRHINO_CONFIG_MM_DEBUG=${DEBUG} -DK_MM_EXPECT_HDR_SIZE=${expect_hdr}
            -I${INCLUDE} -c ${src} -o ${OUT}/${name}.o
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "arm-none-eabi-gcc failed on ${src}")
  endif()
endforeach()
message(STATUS "kernel builds for cortex-m4 (MM debug ${DEBUG}, header ${expect_hdr} bytes)")
