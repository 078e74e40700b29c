// libFuzzer target: the fuzz input is the bytes of an NWB (HDF5) file, read as `neuropop inspect`
// and the binning stage of `neuropop run` read it (tests/fuzz/nwb_reader_harness.hpp). Clean
// refusals (io::InputError, h5::Error) are fine; any other exception, a crash, a sanitizer report
// or HDF5 printing its own error stack is a finding.

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <random>
#include <span>

#include "io/h5_error.hpp"
#include "tests/fuzz/hdf5_mutator.hpp"
#include "tests/fuzz/nwb_reader_harness.hpp"

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        (void)neuropop::fuzz::check_nwb_bytes({data, size});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "neuropop fuzz: unexpected exception: %s\n", e.what());
        std::abort();
    }
    // HDF5 prints its error stack (HDF5-DIAG) only through the automatic handler, which the
    // reader turns off; if anything turned it back on, stop at the input that shows it.
    if (neuropop::h5::error_printing_on()) {
        std::fprintf(stderr, "neuropop fuzz: HDF5's automatic error printing is on\n");
        std::abort();
    }
    return 0;
}

// A quarter of the mutations change a metadata structure, a quarter change values of a dataset
// (tests/fuzz/hdf5_mutator.hpp says which and how); the other half, and any mutation that finds
// nothing to change (a file damaged beyond recognition), are libFuzzer's byte-level ones.
extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned int seed) {
    std::mt19937_64 rng(seed);
    std::size_t out = 0;
    switch (rng() % 4) {
    case 0:
        out = neuropop::fuzz::mutate_hdf5_metadata(data, size, rng);
        break;
    case 1:
        out = neuropop::fuzz::mutate_hdf5_values(data, size, rng);
        break;
    default:
        break;
    }
    return out != 0 ? out : LLVMFuzzerMutate(data, size, max_size);
}
