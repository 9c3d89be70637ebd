# xacoord_fuzz_smoke_test(NAME <ctest name> TARGET <fuzzer target> SECONDS <n>
#                         [SEEDS <dir>...])
#
# A ctest test that builds a libFuzzer target (fuzz/<area>/) in a clang build directory
# inside this build (fuzzers need clang; the main build may use g++) and runs it for
# SECONDS on a scratch copy of the seed corpora. It fails when libFuzzer finds a crash,
# and is skipped when no clang is installed. Labels: unit and fuzz. Every area's fuzzer
# can use it:
#   include(${PROJECT_SOURCE_DIR}/fuzz/smoke_test.cmake)
#   xacoord_fuzz_smoke_test(NAME log_fuzz_smoke TARGET log_fuzzer SECONDS 20
#                           SEEDS ${PROJECT_SOURCE_DIR}/fuzz/log/corpus)
# All of them share one clang build directory; fuzz/run-smoke serialises its builds.
function(xacoord_fuzz_smoke_test)
  cmake_parse_arguments(F "" "NAME;TARGET;SECONDS" "SEEDS" ${ARGN})
  add_test(NAME ${F_NAME}
           COMMAND ${PROJECT_SOURCE_DIR}/fuzz/run-smoke ${F_TARGET} ${F_SECONDS} ${F_SEEDS})
  # The first run also configures and builds the clang directory: minutes on 2 cores.
  math(EXPR timeout "${F_SECONDS} + 900")
  set_tests_properties(${F_NAME} PROPERTIES
    LABELS "unit;fuzz"  # needs nothing outside the process; `-L fuzz` picks the fuzzers
    TIMEOUT ${timeout}
    SKIP_RETURN_CODE 77
    ENVIRONMENT "XACOORD_FUZZ_BUILD_DIR=${CMAKE_BINARY_DIR}/fuzz-clang")
endfunction()
