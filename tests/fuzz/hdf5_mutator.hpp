#pragma once
// Structure-aware mutations of an HDF5 file image, for the NWB reader's fuzz target. libFuzzer's
// byte-level mutations rarely land on the few hundred bytes of a 300 KB file that describe its
// objects, and almost never turn a spike time into NaN or break the order of an index; these
// mutations aim there. They only read the file's own bytes (no HDF5 call), so they cost little.
//
// Each returns the new size (the input's: they never grow or shrink the file), or 0 when the
// image has no place of that kind, so the caller falls back to libFuzzer's own mutation.

#include <cstddef>
#include <cstdint>
#include <random>

namespace neuropop::fuzz {

// Changes one byte or one 8-byte field inside a metadata structure: a structure found by its
// signature (superblock, "TREE", "HEAP", "SNOD", "GCOL", "OHDR", ...), or one message (dataspace,
// datatype, layout, attribute, ...) of a version-1 object header, which has no signature and is
// found through the superblock's root entry and the symbol-table nodes' entries. A field becomes
// 0, all ones (HDF5's undefined address), its value plus or minus a little, the file size, or the
// address of another structure.
std::size_t mutate_hdf5_metadata(std::uint8_t* data, std::size_t size, std::mt19937_64& rng);

// Changes values inside the raw data of a contiguous dataset whose layout and datatype messages
// the object-header walk found: a float64 becomes NaN, +-inf, 0, its negation, a huge value or its
// neighbour's value plus or minus one ulp, an integer becomes 0, -1, its maximum, its value plus
// or minus one; or two neighbouring elements swap (breaking sorted spike times and monotonic
// indexes).
std::size_t mutate_hdf5_values(std::uint8_t* data, std::size_t size, std::mt19937_64& rng);

} // namespace neuropop::fuzz
