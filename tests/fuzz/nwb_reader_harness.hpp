#pragma once
// What `neuropop inspect` and the binning stage of `neuropop run` do with one NWB file, as one
// function shared by the libFuzzer target (clang) and the regression replay test (gcc), so a
// crash input kept in tests/fuzz/corpus/nwb_reader/ is replayed by the normal test suite.
//
// A file is either accepted or refused with io::InputError / h5::Error (the documented, clean
// refusals). Every other exception propagates: for the fuzzer and the replay test it is a bug.

#include <cstdint>
#include <span>
#include <string>

namespace neuropop::fuzz {

enum class Outcome { Accepted, Refused };

struct NwbOutcome {
    Outcome inspect = Outcome::Refused; // NwbReader with the full spike scan (inspect)
    Outcome run = Outcome::Refused;     // NwbReader without the scan, read_spikes, bin_spikes
};

NwbOutcome check_nwb_file(const std::string& path);

// Writes `bytes` to this process's scratch file (tmpfs /dev/shm when present: the reader opens
// files by name) and checks it.
NwbOutcome check_nwb_bytes(std::span<const std::uint8_t> bytes);

} // namespace neuropop::fuzz
