# Every dependency is a Debian 12 package; see README "Dependencies".
find_package(MPI REQUIRED COMPONENTS C)
# We use the C API only; OpenMPI's deprecated C++ bindings would otherwise be pulled in by mpi.h
# and need libmpi_cxx at link time.
set_property(TARGET MPI::MPI_C APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS OMPI_SKIP_MPICXX=1 MPICH_SKIP_MPICXX=1)

set(HDF5_PREFER_PARALLEL TRUE)
# HL: dimension scales (H5DS*) label the axes of every results dataset for xarray/netCDF readers.
find_package(HDF5 REQUIRED COMPONENTS C HL)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR
    "neuropop needs the parallel (MPI) build of HDF5, but CMake found a serial one "
    "(${HDF5_C_INCLUDE_DIRS}). On Debian 12 install libhdf5-openmpi-dev "
    "(apt-get install libhdf5-openmpi-dev) and remove libhdf5-dev, or point HDF5_ROOT at a parallel build.")
endif()
add_library(neuropop_hdf5 INTERFACE)
target_include_directories(neuropop_hdf5 SYSTEM INTERFACE ${HDF5_C_INCLUDE_DIRS})
target_link_libraries(neuropop_hdf5 INTERFACE ${HDF5_HL_LIBRARIES} ${HDF5_C_LIBRARIES} MPI::MPI_C)
target_compile_definitions(neuropop_hdf5 INTERFACE ${HDF5_C_DEFINITIONS})
# mpi.h must not pull in OpenMPI's deprecated C++ bindings (unresolved MPI:: symbols at link time).
target_compile_definitions(neuropop_hdf5 INTERFACE OMPI_SKIP_MPICXX=1 MPICH_SKIP_MPICXX=1)

find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(TBB REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_path(RANDOM123_INCLUDE_DIR Random123/philox.h REQUIRED
  DOC "Random123 counter-based RNG headers (Debian: librandom123-dev)")
add_library(neuropop_random123 INTERFACE)
target_include_directories(neuropop_random123 SYSTEM INTERFACE ${RANDOM123_INCLUDE_DIR})
