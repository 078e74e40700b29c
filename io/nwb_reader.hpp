#pragma once
// NWB 2.x session reader (units, trials, metadata). Opening reads and validates metadata, the
// spike index and the trials table; spike times are read per unit as hyperslabs, so memory grows
// with the units asked for, not with the file. Every rule violation throws io::InputError.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "io/h5.hpp"
#include "kernels/binning.hpp"

namespace neuropop::io {

// One column of a DynamicTable, numeric or string. Numeric columns are widened to double.
struct Column {
    std::string name;
    std::string dtype; // as stored, e.g. "int64", "float64", "vlen utf-8 string"
    bool is_string = false;
    std::vector<double> numbers;      // when !is_string
    std::vector<std::string> strings; // when is_string
    std::size_t size() const { return is_string ? strings.size() : numbers.size(); }
    std::size_t distinct() const;
};

struct TrialsTable {
    std::vector<std::int64_t> ids;
    std::vector<double> start_time, stop_time;
    std::vector<Column> columns; // every column including start_time/stop_time, in colnames order
    std::size_t rows() const { return ids.size(); }
    const Column* find(const std::string& name) const; // nullptr when absent
};

struct SessionInfo {
    std::string file;
    std::string identifier, subject_id, session_start_time, nwb_version;
    std::vector<std::int64_t> unit_ids;
    std::vector<std::string> unit_regions; // one per unit; "unknown" when the file has none
    std::vector<std::uint64_t> spike_end;  // spike_times_index: end offset of each unit
    std::uint64_t n_spikes = 0;
    double first_spike = 0.0, last_spike = 0.0; // seconds; 0 when no spikes
    std::optional<TrialsTable> trials;          // nullopt when the file has no /intervals/trials
    std::vector<std::string> regions() const;   // distinct regions, sorted
    std::vector<std::size_t> units_in(const std::string& region) const; // unit rows, ascending
};

class NwbReader {
public:
    explicit NwbReader(const std::string& filename); // opens, reads + validates metadata
    const SessionInfo& info() const { return info_; }
    // Spikes of the given unit rows (not ids), each a hyperslab read, validated finite + sorted.
    kernels::SpikeTrains read_spikes(std::span<const std::size_t> unit_rows) const;
    // Any other /units column by name (e.g. "quality", "unit_name"); InputError when absent.
    Column unit_column(const std::string& name) const;

private:
    h5::File file_;
    SessionInfo info_;
};

// Expands files, folders (every *.nwb inside, sorted) and globs to a sorted list of files.
// InputError when a path matches nothing.
std::vector<std::string> expand_session_paths(const std::vector<std::string>& patterns);

} // namespace neuropop::io
