#pragma once
// Free space where a run writes. A full disk makes HDF5 and MPI-IO fail with messages that never
// say so ("file write failed", "addr overflow"), and a collective write that fails on one rank
// can leave the others waiting: so a run checks the space before the merge, and names a full
// disk when a write fails.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace neuropop::engine {

// Bytes available to this user on the file system holding `path` (or its nearest existing
// folder); nullopt when statvfs fails.
std::optional<std::uint64_t> free_bytes(const std::filesystem::path& path);

// "no space left on device: DIR has X MB free, ~Y MB needed" when less than `need` bytes are
// free on the file system of `path`; nullopt otherwise (or when the space cannot be read).
std::optional<std::string> short_of_space(const std::filesystem::path& path, std::uint64_t need);

// What the merge of `files` (item files) into one results file needs, with headroom for HDF5's
// metadata and the tables: their sizes summed, plus 10 % and 1 MiB.
std::uint64_t merge_bytes_needed(const std::vector<std::string>& files);

// A write into `partial` failed on this rank (`what`): every rank ends (abort_all; the others
// may be waiting in a collective call for this one) with one line, "<command>: rank R: cannot
// write PARTIAL: ..." naming a full disk when there is one (exit 4, else 1), then `advice`.
[[noreturn]] void abort_write_failed(const std::string& command, int rank,
                                     const std::filesystem::path& partial, const std::string& what,
                                     const std::string& advice);

} // namespace neuropop::engine
