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
if(NEUROPOP_NATIVE)
  add_compile_options(-march=native)
endif()
