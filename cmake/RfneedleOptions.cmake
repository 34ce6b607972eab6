# Compiler flags shared by every target, and the sanitizer build sets.
#
# RFNEEDLE_SANITIZER selects what is built:
#   none  everything: libraries, programs, every test label, benchmarks
#   asan  clang ASan+UBSan: libraries, unit and dst tests, libFuzzer targets
#   tsan  clang TSan: libraries and the tests labelled tsan (cross-thread code)
set(RFNEEDLE_SANITIZER "none" CACHE STRING "none, asan or tsan")
set_property(CACHE RFNEEDLE_SANITIZER PROPERTY STRINGS none asan tsan)

set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

add_compile_options(-Wall -Wextra -Wconversion -Wshadow -Werror)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 reports false positives in libstdc++ and protobuf headers under -O2.
  add_compile_options(-Wno-error=maybe-uninitialized -Wno-error=restrict)
endif()

if(RFNEEDLE_SANITIZER STREQUAL "asan")
  # fuzzer-no-link: every library is coverage-instrumented, so libFuzzer sees the branches
  # of the code a fuzz target calls, not only of the target itself.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fsanitize=fuzzer-no-link -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
elseif(RFNEEDLE_SANITIZER STREQUAL "tsan")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT RFNEEDLE_SANITIZER STREQUAL "none")
  message(FATAL_ERROR "RFNEEDLE_SANITIZER must be none, asan or tsan, not '${RFNEEDLE_SANITIZER}'")
endif()

# Programs (rfneedled, rfneedle-sim, rfneedle-diag) and process-level tests are built
# only in the plain build; sanitizer builds stay small so they fit CI on two cores.
if(RFNEEDLE_SANITIZER STREQUAL "none")
  set(RFNEEDLE_BUILD_PROGRAMS ON)
else()
  set(RFNEEDLE_BUILD_PROGRAMS OFF)
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()
