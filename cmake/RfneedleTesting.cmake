# Helpers that register tests, fuzz targets and benchmarks with the build set in force
# (see RfneedleOptions.cmake). One CTest test per test program; its label says which
# suite it belongs to: unit, integration, dst, browser, fuzz, tsan.

include(CMakeParseArguments)

# The tsan build compiles only what the tsan-labelled tests need: `--target tsan_tests`.
add_custom_target(tsan_tests)
# `tools/dev bench` builds only what it runs: `--target benchmarks`.
add_custom_target(benchmarks)

# add_subdirectory for each listed folder that exists, so areas can grow independently.
function(rfneedle_add_subdirectories)
  foreach(dir IN LISTS ARGN)
    if(EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/${dir}/CMakeLists.txt")
      add_subdirectory(${dir})
    endif()
  endforeach()
endfunction()

function(_rfneedle_label_wanted label out)
  set(wanted OFF)
  if(RFNEEDLE_SANITIZER STREQUAL "none")
    set(wanted ON)
  elseif(RFNEEDLE_SANITIZER STREQUAL "asan" AND label MATCHES "^(unit|dst)$")
    set(wanted ON)
  elseif(RFNEEDLE_SANITIZER STREQUAL "tsan" AND label STREQUAL "tsan")
    set(wanted ON)
  endif()
  set(${out} ${wanted} PARENT_SCOPE)
endfunction()

# rfneedle_add_test(NAME n LABEL unit|integration|dst|tsan SOURCES ... [LIBS ...]
#                   [SERIAL] [OWN_MAIN] [TIMEOUT s] [ARGS ...])
# OWN_MAIN: the sources define main() (to read ARGS); otherwise gtest_main provides it.
# SERIAL marks tests that start processes or use pseudo-terminals: CTest runs them one at
# a time (RESOURCE_LOCK), never beside another serial test.
function(rfneedle_add_test)
  cmake_parse_arguments(T "SERIAL;OWN_MAIN" "NAME;LABEL;TIMEOUT" "SOURCES;LIBS;ARGS" ${ARGN})
  if(NOT T_NAME OR NOT T_LABEL OR NOT T_SOURCES)
    message(FATAL_ERROR "rfneedle_add_test needs NAME, LABEL and SOURCES")
  endif()
  if(NOT T_LABEL MATCHES "^(unit|integration|dst|tsan)$")
    message(FATAL_ERROR "rfneedle_add_test: unknown label '${T_LABEL}' for ${T_NAME}")
  endif()
  _rfneedle_label_wanted(${T_LABEL} wanted)
  if(NOT wanted)
    return()
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  if(T_OWN_MAIN)
    target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gmock GTest::gtest)
  else()
    target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gmock GTest::gtest_main)
  endif()
  set_target_properties(${T_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/tests")
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} ${T_ARGS})
  if(T_LABEL STREQUAL "tsan")
    add_dependencies(tsan_tests ${T_NAME})
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS ${T_LABEL} TIMEOUT ${T_TIMEOUT})
  if(T_SERIAL)
    set_tests_properties(${T_NAME} PROPERTIES RUN_SERIAL ON)
  endif()
endfunction()

# rfneedle_add_fuzzer(NAME n SOURCES ... [LIBS ...] CORPUS dir)
# The source defines LLVMFuzzerTestOneInput. Under asan (clang) it is a libFuzzer target
# run for a short smoke run from its seed corpus; in the plain build it replays the seed
# corpus, so every input that ever found a bug stays a regression test.
set(RFNEEDLE_FUZZ_SECONDS 10 CACHE STRING "length of each libFuzzer smoke run")
function(rfneedle_add_fuzzer)
  cmake_parse_arguments(F "" "NAME;CORPUS" "SOURCES;LIBS" ${ARGN})
  if(NOT F_NAME OR NOT F_SOURCES OR NOT F_CORPUS)
    message(FATAL_ERROR "rfneedle_add_fuzzer needs NAME, SOURCES and CORPUS")
  endif()
  if(RFNEEDLE_SANITIZER STREQUAL "tsan")
    return()
  endif()
  add_executable(${F_NAME} ${F_SOURCES})
  target_link_libraries(${F_NAME} PRIVATE ${F_LIBS})
  set_target_properties(${F_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/fuzz")
  if(RFNEEDLE_SANITIZER STREQUAL "asan")
    target_compile_options(${F_NAME} PRIVATE -fsanitize=fuzzer)
    target_link_options(${F_NAME} PRIVATE -fsanitize=fuzzer)
    set(work "${CMAKE_BINARY_DIR}/fuzz/${F_NAME}.corpus")
    file(MAKE_DIRECTORY "${work}")
    add_test(NAME ${F_NAME}
             COMMAND ${F_NAME} -max_total_time=${RFNEEDLE_FUZZ_SECONDS} -rss_limit_mb=2048
                     -print_final_stats=1 "${work}" "${F_CORPUS}")
  else()
    target_sources(${F_NAME} PRIVATE "${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cpp")
    add_test(NAME ${F_NAME} COMMAND ${F_NAME} "${F_CORPUS}")
  endif()
  set_tests_properties(${F_NAME} PROPERTIES LABELS fuzz TIMEOUT 300)
endfunction()

# rfneedle_add_benchmark(NAME n SOURCES ... [LIBS ...])
# Built in the plain builds (dev, release), never registered with CTest: `tools/dev bench`
# runs them from bin/bench/. Each prints its headline figures as `BENCH name value unit`.
function(rfneedle_add_benchmark)
  cmake_parse_arguments(B "" "NAME" "SOURCES;LIBS" ${ARGN})
  if(NOT RFNEEDLE_SANITIZER STREQUAL "none")
    return()
  endif()
  add_executable(${B_NAME} ${B_SOURCES} "${PROJECT_SOURCE_DIR}/tests/bench/bench_main.cpp")
  target_link_libraries(${B_NAME} PRIVATE ${B_LIBS} benchmark::benchmark rfneedle_alloc_counter)
  set_target_properties(${B_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/bin/bench")
  add_dependencies(benchmarks ${B_NAME})
endfunction()

# rfneedle_add_device_benchmark(NAME n SOURCES ... [LIBS ...])
# A benchmark of the device as a whole: a program with its own main() that starts the real
# rfneedle-sim (and rfneedled) and prints its figures as `BENCH name value unit` lines.
# Built in the plain builds into bin/device-bench/, never registered with CTest:
# `tools/dev bench` runs each with `--programs <the build's bin/>`.
function(rfneedle_add_device_benchmark)
  cmake_parse_arguments(B "" "NAME" "SOURCES;LIBS" ${ARGN})
  if(NOT RFNEEDLE_BUILD_PROGRAMS)
    return()
  endif()
  add_executable(${B_NAME} ${B_SOURCES})
  target_link_libraries(${B_NAME} PRIVATE ${B_LIBS})
  set_target_properties(${B_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                                             "${CMAKE_BINARY_DIR}/bin/device-bench")
  # They run the programs of the same build.
  add_dependencies(benchmarks ${B_NAME} rfneedle-sim rfneedled)
endfunction()
