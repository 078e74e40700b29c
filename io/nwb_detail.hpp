#pragma once
// Internal pieces of the NWB reader shared by io/nwb_*.cpp; not part of the io contract.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "io/h5.hpp"
#include "io/nwb_reader.hpp"

namespace neuropop::io::detail {

[[noreturn]] void fail(const std::string& file, const std::string& path, const std::string& rule);

// Shortest round-trip-free but unambiguous text for a number in a message.
std::string number_text(double v);

// Opens a dataset that must exist; InputError "missing" otherwise (also when it is a group).
h5::Dataset require_dataset(const h5::Group& parent, const std::string& name,
                            const std::string& file, const std::string& what);

// InputError unless the dataset is 1-D.
void require_1d(const h5::Dataset& ds, const std::string& file);
// InputError unless the dataset's elements are of this class ("integer", "float"...).
void require_class(const h5::Dataset& ds, h5::TypeClass cls, const std::string& file);

// A 1-D integer dataset of any width and sign, widened to int64 (ids, row indices).
std::vector<std::int64_t> read_integers(const h5::Dataset& ds, const std::string& file);

// A VectorIndex (e.g. spike_times_index): 1-D integer, entries non-negative, non-decreasing,
// none beyond n_values and the last equal to n_values. Returns the end offsets.
std::vector<std::uint64_t> read_vector_index(const h5::Dataset& ds, std::uint64_t n_values,
                                             const std::string& target_path,
                                             const std::string& file);

// A 1-D numeric or string dataset as a Column named `name` (numbers widened to double).
Column read_column(const h5::Dataset& ds, const std::string& name, const std::string& file);

// Why a DynamicTable column cannot be read as one value per row, or "" when it can.
std::string unreadable_column_reason(const h5::Group& table, const h5::Dataset& ds,
                                     const std::string& name);

// /intervals/trials (or any TimeIntervals group with id, start_time, stop_time).
TrialsTable read_trials(const h5::Group& trials, const std::string& file);

// One unit's spike times are finite and (unless allow_unsorted) non-decreasing; returns the
// number of inversions (positions i with t[i] < t[i-1]; 0 when sorted). `offset` is the position
// of t[0] in spike_times, used only for messages.
std::size_t check_unit_spikes(std::span<const double> t, std::uint64_t offset, std::size_t row,
                              std::int64_t id, const std::string& path, const std::string& file,
                              bool allow_unsorted = false);

struct SpikeScan {
    double first = 0.0, last = 0.0;    // min and max over all spikes; 0 when there are none
    std::vector<std::size_t> unsorted; // unit rows whose times decrease (only if allowed)
    std::uint64_t inversions = 0;      // adjacent decreases within units (only if allowed)
};

// Streams spike_times in blocks of `block` values and applies check_unit_spikes to every unit,
// across block boundaries; memory is one block whatever the file size.
SpikeScan scan_spike_times(const h5::Dataset& spike_times, std::span<const std::uint64_t> end,
                           std::span<const std::int64_t> ids, std::size_t block,
                           bool allow_unsorted, const std::string& file);

} // namespace neuropop::io::detail
