#pragma once
// Bytes this process has moved through HDF5 datasets, for the run's accounting of what each rank
// reads and writes (docs/DESIGN.md "Data locality"): the memory size of every selection read or
// written (elements x memory type size; a variable-length string counts as its pointer),
// attributes not included. Counters only grow; callers take differences.

#include <cstdint>

namespace neuropop::io {

struct IoBytes {
    std::uint64_t read = 0, written = 0;
};

IoBytes io_bytes();

} // namespace neuropop::io
