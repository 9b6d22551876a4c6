# Binary Cortex-M drivers (emu/): what they need, how one is recognised, and
# how one becomes a driver library. Included by the top CMakeLists.txt.
# (libelf is found in the top CMakeLists.txt, as LIBELF.)
find_library(RTOSFUZZ_UNICORN unicorn)
find_program(ARM_GCC arm-none-eabi-gcc)
find_program(ARM_LD arm-none-eabi-ld)
find_program(ARM_AR arm-none-eabi-ar)
find_program(ARM_STRIP arm-none-eabi-strip)
find_program(ARM_OBJCOPY arm-none-eabi-objcopy)
if(RTOSFUZZ_OSS_FUZZ)
  set(RTOSFUZZ_BLOBS OFF) # the infrastructure's build fuzzes drivers in C
elseif(RTOSFUZZ_UNICORN AND ARM_GCC AND ARM_LD AND ARM_OBJCOPY)
  set(RTOSFUZZ_BLOBS ON)
else()
  set(RTOSFUZZ_BLOBS OFF)
  message(WARNING "libunicorn-dev or the arm-none-eabi toolchain is missing: binary drivers are skipped")
endif()

# rtosfuzz_is_arm_binary(<file> <var>): whether file is 32-bit ARM code
# (e_machine EM_ARM): an ELF object or executable, or an archive of them.
function(rtosfuzz_is_arm_binary file var)
  file(READ ${file} head LIMIT 8)
  set(offset 0)
  if(head STREQUAL "!<arch>\n")
    file(READ ${file} hex HEX)
    string(FIND "${hex}" "7f454c46" at) # the first member's ELF header
    math(EXPR offset "${at} / 2")
  endif()
  file(READ ${file} elf OFFSET ${offset} LIMIT 20 HEX)
  # "\x7fELF", class 1 (32-bit), then e_machine (little-endian) 0x0028
  if(elf MATCHES "^7f454c4601" AND elf MATCHES "2800$")
    set(${var} ON PARENT_SCOPE)
  else()
    set(${var} OFF PARENT_SCOPE)
  endif()
endfunction()

# rtosfuzz_blob_library(<target> <blob> [<stubs file>]): the driver library
# for a binary driver: its image linked by blob_link, run by emu/.
function(rtosfuzz_blob_library target blob)
  set(stubs "${ARGN}")
  set(stubs_arg)
  if(stubs)
    set(stubs_arg --stubs ${stubs})
  endif()
  set(dir ${CMAKE_BINARY_DIR}/emu/${target})
  set(elf ${dir}/driver.elf)
  add_custom_command(OUTPUT ${elf}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND blob_link --blob ${blob} --out ${elf} --work ${dir} --cc ${ARM_GCC} --ld ${ARM_LD} --objcopy ${ARM_OBJCOPY}
            --script ${CMAKE_SOURCE_DIR}/emu/guest.ld
            ${stubs_arg}
    DEPENDS blob_link ${blob} ${stubs} ${CMAKE_SOURCE_DIR}/emu/guest.ld
    COMMENT "Linking the binary driver ${blob}")
  add_custom_target(${target}_image DEPENDS ${elf})
  add_library(${target} STATIC ${CMAKE_SOURCE_DIR}/emu/blob_driver.c $<TARGET_OBJECTS:rtosfuzz_emu>)
  add_dependencies(${target} ${target}_image)
  target_compile_definitions(${target} PRIVATE RTOSFUZZ_BLOB_ELF="${elf}")
  target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/emu)
  target_link_libraries(${target} PUBLIC driver_contract ${RTOSFUZZ_UNICORN} ${LIBELF} ${LIBDW})
endfunction()
