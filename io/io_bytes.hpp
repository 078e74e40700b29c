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

// While one lives, this thread's reads are not counted: reads of an item file's image held in
// memory (h5::File::open_image), which touch no storage.
class UncountedReads {
public:
    UncountedReads();
    ~UncountedReads();
    UncountedReads(const UncountedReads&) = delete;
    UncountedReads& operator=(const UncountedReads&) = delete;
};

} // namespace neuropop::io
