add_library(neuropop_warnings INTERFACE)
target_compile_options(neuropop_warnings INTERFACE -Wall -Wextra -Wshadow -Wconversion -Wpedantic)

# Eigen runs single-threaded inside TBB tasks: its GEMM blocking depends on the thread count,
# which would break bitwise reproducibility, and TBB already owns the cores.
add_library(neuropop_eigen INTERFACE)
target_link_libraries(neuropop_eigen INTERFACE Eigen3::Eigen)
target_compile_definitions(neuropop_eigen INTERFACE EIGEN_DONT_PARALLELIZE)

add_library(neuropop_sanitize INTERFACE)
if(NEUROPOP_SANITIZE)
  target_compile_options(neuropop_sanitize INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(neuropop_sanitize INTERFACE -fsanitize=address,undefined)
endif()
# Fuzzing: every library is instrumented for libFuzzer's coverage feedback and checked by ASan +
# UBSan (a UB report stops the run, so the fuzzer sees it as a crash); the fuzz targets add
# -fsanitize=fuzzer for libFuzzer's driver (tests/fuzz/CMakeLists.txt).
if(NEUROPOP_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "NEUROPOP_FUZZ needs clang's libFuzzer: configure with CC=clang CXX=clang++ "
      "(Debian 12: apt-get install clang libclang-rt-14-dev), or run scripts/fuzz")
  endif()
  target_compile_options(neuropop_sanitize INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(neuropop_sanitize INTERFACE -fsanitize=address,undefined)
endif()
if(NEUROPOP_NATIVE)
  add_compile_options(-march=native)
endif()
