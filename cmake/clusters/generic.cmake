# Generic cluster profile: cmake -C cmake/clusters/generic.cmake -S . -B build
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(NEUROPOP_NATIVE OFF CACHE BOOL "Portable binaries: login and compute nodes may differ")
set(NEUROPOP_BUILD_TESTS ON CACHE BOOL "")
