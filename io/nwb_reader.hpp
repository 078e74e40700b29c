#pragma once
// NWB 2.x session reader (units, trials, metadata). Opening reads and validates metadata, the
// spike index and the trials table, and (by default, see ReadOptions) streams the spike times
// once in bounded blocks to check them; spike times are read per unit as hyperslabs, so memory
// grows with the units asked for, not with the file. Every rule violation, and every HDF5 failure
// while reading, throws io::InputError naming the file, the HDF5 path and the rule.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kernels/binning.hpp"

namespace neuropop::h5 {
class File;
}

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
    // colnames entries that were not loaded, each "name: reason" (ragged columns with a
    // <name>_index partner, object references, DynamicTableRegions, compound or n-D data).
    std::vector<std::string> skipped;
    std::size_t rows() const { return ids.size(); }
    const Column* find(const std::string& name) const; // nullptr when absent
};

struct SessionInfo {
    std::string file;
    std::string identifier, subject_id, session_start_time, nwb_version;
    std::vector<std::int64_t> unit_ids;
    std::vector<std::string> unit_regions; // one per unit; "unknown" when the file has none
    // Where unit_regions came from: "/units/location", the electrodes table's location column
    // (its path), or "none".
    std::string region_source;
    std::vector<std::uint64_t> spike_end; // spike_times_index: end offset of each unit
    std::uint64_t n_spikes = 0;
    double first_spike = 0.0, last_spike = 0.0; // seconds; 0 when no spikes
    // Unit rows whose stored spike times decrease somewhere, and how many adjacent decreases
    // (inversions) they hold in all. Only filled by the open-time scan, and only when
    // ReadOptions::sort_unsorted_spikes is set (otherwise such a file is refused).
    std::vector<std::size_t> unsorted_units;
    std::uint64_t spike_inversions = 0;
    std::optional<TrialsTable> trials;        // nullopt when the file has no /intervals/trials
    std::vector<std::string> regions() const; // distinct regions, sorted
    std::vector<std::size_t> units_in(const std::string& region) const; // unit rows, ascending
};

// How much of the spike data NwbReader checks when it opens a file.
struct ReadOptions {
    // true: stream /units/spike_times once at open, in blocks of spike_scan_block values (8 MB
    // of doubles by default, so memory stays bounded whatever the file), checking every time is
    // finite and sorted within its unit, and setting first_spike/last_spike from all spikes.
    // false: only read_spikes checks the units it reads; first_spike/last_spike then come from
    // each unit's first and last value (2 one-value reads per unit) and assume sorted units.
    bool scan_spikes = true;
    std::size_t spike_scan_block = std::size_t{1} << 20;
    // true (default): spike times that decrease within a unit are accepted, counted by the scan
    // (SessionInfo::unsorted_units, spike_inversions), and read_spikes returns every unit sorted.
    // Sorting loses nothing, every analysis needs it, and real files need it: the two DANDI
    // sessions in data/nwb-small-real store their units' spikes out of order (21 and 20
    // inversions). false (`inspect --strict`, data.strict = true): such a file is an InputError.
    bool sort_unsorted_spikes = true;
};

class NwbReader {
public:
    explicit NwbReader(const std::string& filename); // opens, reads + validates metadata
    NwbReader(const std::string& filename, const ReadOptions& options);
    // The open file is held through a pointer so that this header does not bring <hdf5.h> to
    // the layers above io/.
    ~NwbReader();
    NwbReader(NwbReader&&) noexcept;
    NwbReader& operator=(NwbReader&&) noexcept;
    const SessionInfo& info() const { return info_; }
    // Spikes of the given unit rows (not ids), each a hyperslab read, validated finite + sorted
    // (or sorted here when ReadOptions::sort_unsorted_spikes).
    kernels::SpikeTrains read_spikes(std::span<const std::size_t> unit_rows) const;
    // Any other /units column by name (e.g. "quality", "unit_name"); one value per unit.
    // InputError when absent, ragged (has a <name>_index partner: one value per unit is not
    // defined), an object-reference or compound column, not 1-D, or not one row per unit.
    Column unit_column(const std::string& name) const;

private:
    std::unique_ptr<h5::File> file_;
    SessionInfo info_;
    ReadOptions options_;
};

// Expands files, folders (every *.nwb inside, sorted) and globs to a sorted list of files.
// InputError when a path matches nothing.
std::vector<std::string> expand_session_paths(const std::vector<std::string>& patterns);

} // namespace neuropop::io
