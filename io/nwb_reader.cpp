// NwbReader: session metadata, the units table (ids, spike index, regions), the trials table and
// per-unit spike reads. Rules are in io/nwb_validate.cpp; every h5::Error met while reading
// becomes an InputError naming the object HDF5 failed on.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include "io/errors.hpp"
#include "io/nwb_detail.hpp"
#include "io/nwb_reader.hpp"

namespace neuropop::io {

namespace {

using detail::fail;

const std::string unknown = "unknown";

// h5::Error objects are "/path" or "/path@attribute"; both are the path of the message.
[[noreturn]] void rethrow_h5(const h5::Error& e, const std::string& file) {
    throw InputError(file, e.object(), e.detail() + " (" + e.call() + ")");
}

// HDF5 looks for its signature at byte 0, 512, 1024, 2048...; finding it tells a damaged or
// truncated HDF5 file from a file that never was one.
bool has_hdf5_signature(const std::string& filename, std::uintmax_t size) {
    static const char signature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
    std::ifstream in(filename, std::ios::binary);
    for (std::uintmax_t at = 0; at + 8 <= size; at = at == 0 ? 512 : at * 2) {
        char buf[8];
        in.seekg(static_cast<std::streamoff>(at));
        if (!in.read(buf, 8)) return false;
        if (std::equal(buf, buf + 8, signature)) return true;
    }
    return false;
}

h5::File open_hdf5(const std::string& filename) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(filename, ec)) fail(filename, "/", "no such file");
    if (fs::is_directory(filename, ec)) fail(filename, "/", "is a folder, not an NWB file");
    if (!std::ifstream(filename)) fail(filename, "/", "cannot open the file for reading");
    std::uintmax_t size = fs::file_size(filename, ec);
    if (ec || size == 0) fail(filename, "/", "not an HDF5 file (empty file)");
    if (!has_hdf5_signature(filename, size))
        fail(filename, "/", "not an HDF5 file (no HDF5 signature)");
    try {
        return h5::File::open(filename);
    } catch (const h5::Error& e) {
        fail(filename, "/",
             "truncated or damaged HDF5 file, " + std::to_string(size) +
                 " bytes (HDF5: " + e.detail() + ")");
    }
}

// An optional scalar string dataset; `fallback` when absent or empty.
std::string optional_string(const h5::Group& root, const std::string& path,
                            const std::string& fallback) {
    if (!root.is_dataset(path)) return fallback;
    std::string v = root.open_dataset(path).read_string();
    return v.empty() ? fallback : v;
}

void check_nwb_root(const h5::File& f, SessionInfo& info) {
    auto type = f.string_attribute("neurodata_type");
    auto version = f.string_attribute("nwb_version");
    if (type != std::string("NWBFile") && !version)
        fail(info.file, "/",
             "not an NWB file: root has neither neurodata_type=\"NWBFile\" nor an nwb_version "
             "attribute");
    info.nwb_version = version.value_or(unknown);
    if (version && !(version->size() >= 2 && (*version)[0] == '2' && (*version)[1] == '.'))
        fail(info.file, "/@nwb_version",
             "unsupported NWB version \"" + *version + "\"; this reader needs NWB 2.x");
}

// Unit ids name units in every result, so two rows with one id would make results ambiguous.
void check_unique_ids(const h5::Dataset& id, const std::vector<std::int64_t>& ids,
                      const std::string& file) {
    std::unordered_map<std::int64_t, std::size_t> first_row;
    first_row.reserve(ids.size());
    for (std::size_t row = 0; row < ids.size(); ++row) {
        const auto [at, fresh] = first_row.emplace(ids[row], row);
        if (!fresh)
            fail(file, id.path(),
                 "duplicate unit id " + std::to_string(ids[row]) + " at rows " +
                     std::to_string(at->second) + " and " + std::to_string(row) +
                     " (unit ids must be unique)");
    }
}

// Rows of the electrodes table: its id column, else its location column; nullopt when it has
// neither (only negative rows can then be told wrong).
std::optional<std::uint64_t> table_rows(const h5::Group& table) {
    for (const char* column : {"id", "location"})
        if (table.is_dataset(column)) return table.open_dataset(column).size();
    return std::nullopt;
}

// /units/electrodes is a DynamicTableRegion: the electrode rows of each unit (all of them, or
// ragged through electrodes_index). Every row must exist in the electrodes table, whether or
// not the regions come from it: a unit pointing at no electrode is a broken file, not a unit
// without a region. Returns the position in the rows of each unit's first electrode (npos when
// it has none) and fills `rows` and `table`.
constexpr std::size_t no_electrode = static_cast<std::size_t>(-1);

std::vector<std::size_t> read_unit_electrodes(const h5::File& f, const h5::Group& units,
                                              const SessionInfo& info, h5::Dataset& el,
                                              std::vector<std::int64_t>& rows, std::string& table) {
    const std::size_t n = info.unit_ids.size();
    el = detail::require_dataset(units, "electrodes", info.file, "unit electrodes");
    rows = detail::read_integers(el, info.file);
    std::vector<std::size_t> first(n, no_electrode);
    // unit_of[e]: the unit row entry e of `rows` belongs to.
    std::vector<std::size_t> unit_of(rows.size());
    if (units.exists("electrodes_index")) {
        h5::Dataset idx =
            detail::require_dataset(units, "electrodes_index", info.file, "electrode index");
        auto end = detail::read_vector_index(idx, rows.size(), el.path(), info.file);
        if (end.size() != n)
            fail(info.file, idx.path(),
                 "length " + std::to_string(end.size()) + " != " + std::to_string(n) + " units");
        for (std::size_t u = 0; u < n; ++u) {
            const std::uint64_t start = u == 0 ? 0 : end[u - 1];
            if (end[u] > start) first[u] = static_cast<std::size_t>(start);
            for (std::uint64_t e = start; e < end[u]; ++e)
                unit_of[static_cast<std::size_t>(e)] = u;
        }
    } else {
        if (rows.size() != n)
            fail(info.file, el.path(),
                 "length " + std::to_string(rows.size()) + " != " + std::to_string(n) +
                     " units and no electrodes_index");
        for (std::size_t u = 0; u < n; ++u)
            first[u] = unit_of[u] = u;
    }
    table = "/general/extracellular_ephys/electrodes";
    if (el.has_attribute("table")) table = el.attribute("table").read_reference_path();
    if (!f.is_group(table)) fail(info.file, el.path(), "electrodes table " + table + " missing");
    const auto size = table_rows(f.open_group(table));
    for (std::size_t e = 0; e < rows.size(); ++e) {
        const std::int64_t r = rows[e];
        if (r < 0 || (size && static_cast<std::uint64_t>(r) >= *size))
            fail(info.file, el.path(),
                 "electrode row " + std::to_string(r) + " of unit row " +
                     std::to_string(unit_of[e]) + " out of range of " + table + " (" +
                     (size ? std::to_string(*size) + " rows" : std::string("rows from 0")) + ")");
    }
    return first;
}

// One region per unit: /units/location, else the location of each unit's first electrode.
void read_regions(const h5::File& f, const h5::Group& units, SessionInfo& info) {
    const std::size_t n = info.unit_ids.size();
    info.unit_regions.assign(n, unknown);
    info.region_source = "none";
    auto set = [&](std::size_t u, const std::string& v) {
        if (!v.empty()) info.unit_regions[u] = v;
    };
    h5::Dataset el;
    std::vector<std::int64_t> rows;
    std::string table;
    std::vector<std::size_t> first;
    if (units.exists("electrodes")) first = read_unit_electrodes(f, units, info, el, rows, table);
    if (units.exists("location")) {
        h5::Dataset loc = detail::require_dataset(units, "location", info.file, "unit regions");
        detail::require_1d(loc, info.file);
        detail::require_class(loc, h5::TypeClass::String, info.file);
        auto v = loc.read_strings();
        if (v.size() != n)
            fail(info.file, loc.path(),
                 "length " + std::to_string(v.size()) + " != " + std::to_string(n) + " units");
        for (std::size_t u = 0; u < n; ++u)
            set(u, v[u]);
        info.region_source = loc.path();
        return;
    }
    if (first.empty()) return;
    h5::Group electrodes = f.open_group(table);
    if (!electrodes.is_dataset("location")) return;
    h5::Dataset loc = electrodes.open_dataset("location");
    detail::require_1d(loc, info.file);
    detail::require_class(loc, h5::TypeClass::String, info.file);
    auto where = loc.read_strings();
    for (std::size_t u = 0; u < n; ++u) {
        if (first[u] == no_electrode) continue;
        const std::int64_t r = rows[first[u]];
        // The id column can be longer than location: the row must also have a location.
        if (static_cast<std::uint64_t>(r) >= where.size())
            fail(info.file, el.path(),
                 "electrode row " + std::to_string(r) + " of unit row " + std::to_string(u) +
                     " out of range of " + loc.path() + " (" + std::to_string(where.size()) +
                     " rows)");
        set(u, where[static_cast<std::size_t>(r)]);
    }
    info.region_source = loc.path();
}

} // namespace

NwbReader::NwbReader(const std::string& filename) : NwbReader(filename, ReadOptions{}) {}
NwbReader::~NwbReader() = default;
NwbReader::NwbReader(NwbReader&&) noexcept = default;
NwbReader& NwbReader::operator=(NwbReader&&) noexcept = default;

NwbReader::NwbReader(const std::string& filename, const ReadOptions& options) : options_(options) {
    info_.file = filename;
    file_ = std::make_unique<h5::File>(open_hdf5(filename));
    try {
        check_nwb_root(*file_, info_);
        if (!file_->is_dataset("identifier"))
            fail(filename, "/identifier", "missing (required by NWB)");
        info_.identifier = file_->open_dataset("identifier").read_string();
        info_.subject_id = optional_string(*file_, "general/subject/subject_id", unknown);
        info_.session_start_time = optional_string(*file_, "session_start_time", unknown);

        if (!file_->is_group("units"))
            fail(filename, "/units",
                 file_->exists("units") ? "not a group" : "missing: the file has no units table");
        h5::Group units = file_->open_group("units");
        h5::Dataset id = detail::require_dataset(units, "id", filename, "unit ids");
        info_.unit_ids = detail::read_integers(id, filename);
        if (info_.unit_ids.empty()) fail(filename, "/units", "empty units table (0 units)");
        check_unique_ids(id, info_.unit_ids, filename);
        h5::Dataset times = detail::require_dataset(units, "spike_times", filename, "spike times");
        detail::require_1d(times, filename);
        detail::require_class(times, h5::TypeClass::Float, filename);
        h5::Dataset index =
            detail::require_dataset(units, "spike_times_index", filename, "spike index");
        detail::require_1d(index, filename);
        if (index.size() != id.size())
            fail(filename, id.path(),
                 "length " + std::to_string(id.size()) + " != length " +
                     std::to_string(index.size()) + " of " + index.path());
        info_.spike_end = detail::read_vector_index(index, times.size(), times.path(), filename);
        info_.n_spikes = times.size();

        read_regions(*file_, units, info_);

        if (file_->exists("intervals/trials")) {
            if (!file_->is_group("intervals/trials"))
                fail(filename, "/intervals/trials", "expected a group (TimeIntervals)");
            info_.trials = detail::read_trials(file_->open_group("intervals/trials"), filename);
        }

        if (options.scan_spikes) {
            auto scan = detail::scan_spike_times(times, info_.spike_end, info_.unit_ids,
                                                 options.spike_scan_block,
                                                 options.sort_unsorted_spikes, filename);
            info_.first_spike = scan.first;
            info_.last_spike = scan.last;
            info_.unsorted_units = std::move(scan.unsorted);
            info_.spike_inversions = scan.inversions;
        } else {
            bool any = false;
            for (std::size_t u = 0; u < info_.spike_end.size(); ++u) {
                std::uint64_t start = u == 0 ? 0 : info_.spike_end[u - 1];
                if (info_.spike_end[u] == start) continue;
                double a = times.read_range<double>(start, 1).front();
                double b = times.read_range<double>(info_.spike_end[u] - 1, 1).front();
                info_.first_spike = any ? std::min(info_.first_spike, a) : a;
                info_.last_spike = any ? std::max(info_.last_spike, b) : b;
                any = true;
            }
        }
    } catch (const h5::Error& e) {
        rethrow_h5(e, filename);
    }
}

kernels::SpikeTrains NwbReader::read_spikes(std::span<const std::size_t> unit_rows) const {
    kernels::SpikeTrains out;
    std::size_t total = 0;
    for (std::size_t row : unit_rows) {
        if (row >= info_.unit_ids.size())
            throw std::out_of_range("NwbReader::read_spikes: unit row " + std::to_string(row) +
                                    " >= " + std::to_string(info_.unit_ids.size()) + " units");
        total += static_cast<std::size_t>(info_.spike_end[row] -
                                          (row == 0 ? 0 : info_.spike_end[row - 1]));
    }
    out.times.reserve(total);
    out.offsets.reserve(unit_rows.size() + 1);
    try {
        h5::Dataset times = file_->open_dataset("units/spike_times");
        for (std::size_t row : unit_rows) {
            std::uint64_t start = row == 0 ? 0 : info_.spike_end[row - 1];
            std::uint64_t count = info_.spike_end[row] - start;
            auto t = times.read_range<double>(start, count);
            if (detail::check_unit_spikes(t, start, row, info_.unit_ids[row], times.path(),
                                          info_.file, options_.sort_unsorted_spikes) != 0)
                std::sort(t.begin(), t.end());
            out.times.insert(out.times.end(), t.begin(), t.end());
            out.offsets.push_back(out.times.size());
        }
    } catch (const h5::Error& e) {
        rethrow_h5(e, info_.file);
    }
    return out;
}

Column NwbReader::unit_column(const std::string& name) const {
    try {
        h5::Group units = file_->open_group("units");
        if (!units.is_dataset(name))
            fail(info_.file, units.child_path(name), "no such unit column");
        h5::Dataset ds = units.open_dataset(name);
        if (std::string why = detail::unreadable_column_reason(units, ds, name); !why.empty())
            fail(info_.file, ds.path(), "cannot read as one value per unit: " + why);
        Column c = detail::read_column(ds, name, info_.file);
        if (c.size() != info_.unit_ids.size())
            fail(info_.file, ds.path(),
                 "unit column length " + std::to_string(c.size()) +
                     " != " + std::to_string(info_.unit_ids.size()) + " units");
        return c;
    } catch (const h5::Error& e) {
        rethrow_h5(e, info_.file);
    }
}

} // namespace neuropop::io
