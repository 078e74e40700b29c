# Generic cluster profile:  cmake -C cmake/clusters/generic.cmake -S . -B build
# For a site, copy this file to cmake/clusters/<site>.cmake, and slurm/clusters/generic.env to
# slurm/clusters/<site>.env: build with the same modules loaded as the .env loads at run time
# (see slurm/README.md).
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
# Portable code: the login node that builds and the compute nodes that run may have different
# CPUs. With identical nodes, build on one (srun -N1 cmake --build build) and set this ON.
set(NEUROPOP_NATIVE OFF CACHE BOOL "Portable binaries: login and compute nodes may differ")
set(NEUROPOP_BUILD_TESTS ON CACHE BOOL "")
set(NEUROPOP_BUILD_BENCHMARKS ON CACHE BOOL "")

# Toolchains from modules are found through the compiler wrappers and HDF5's h5pcc on PATH.
# When CMake picks a system MPI or a serial HDF5 instead, point it at the module's:
#   set(MPI_C_COMPILER mpicc CACHE FILEPATH "")
#   set(HDF5_ROOT "$ENV{HDF5_DIR}" CACHE PATH "")   # the parallel HDF5 build
#   set(Eigen3_DIR "$ENV{EIGEN_ROOT}/share/eigen3/cmake" CACHE PATH "")
#   set(TBB_DIR "$ENV{TBBROOT}/lib/cmake/tbb" CACHE PATH "")
#   set(BOOST_ROOT "$ENV{BOOST_ROOT}" CACHE PATH "")
