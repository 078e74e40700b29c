// The rules docs/DESIGN.md puts on NWB input: shapes, element classes, VectorIndex bounds and
// order, finite and per-unit sorted spike times. Each broken rule is one InputError.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "io/errors.hpp"
#include "io/nwb_detail.hpp"

namespace neuropop::io::detail {

namespace {

std::string class_name(h5::TypeClass c) {
    switch (c) {
    case h5::TypeClass::Integer:
        return "an integer type";
    case h5::TypeClass::Float:
        return "a floating-point type";
    case h5::TypeClass::String:
        return "strings";
    case h5::TypeClass::Reference:
        return "object references";
    case h5::TypeClass::Compound:
        return "a compound type";
    default:
        return "another type";
    }
}

std::string shape_text(const std::vector<hsize_t>& dims) {
    if (dims.empty()) return "scalar";
    std::string s = "(";
    for (std::size_t i = 0; i < dims.size(); ++i)
        s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + ")";
}

} // namespace

void fail(const std::string& file, const std::string& path, const std::string& rule) {
    throw InputError(file, path, rule);
}

std::string number_text(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

h5::Dataset require_dataset(const h5::Group& parent, const std::string& name,
                            const std::string& file, const std::string& what) {
    if (!parent.is_dataset(name))
        fail(file, parent.child_path(name),
             parent.exists(name) ? "expected a dataset (" + what + "), found a group"
                                 : "missing (" + what + ")");
    return parent.open_dataset(name);
}

void require_1d(const h5::Dataset& ds, const std::string& file) {
    auto dims = ds.dims();
    if (dims.size() != 1)
        fail(file, ds.path(), "expected a 1-D dataset, found shape " + shape_text(dims));
}

void require_class(const h5::Dataset& ds, h5::TypeClass cls, const std::string& file) {
    if (ds.type_class() != cls)
        fail(file, ds.path(),
             "wrong dtype " + ds.type_description() + ", expected " + class_name(cls));
}

std::vector<std::int64_t> read_integers(const h5::Dataset& ds, const std::string& file) {
    require_1d(ds, file);
    require_class(ds, h5::TypeClass::Integer, file);
    // HDF5 converts every integer width and sign to int64; uint64 values above INT64_MAX clamp
    // to INT64_MAX, which every bound check below still rejects.
    return ds.read<std::int64_t>();
}

std::vector<std::uint64_t> read_vector_index(const h5::Dataset& ds, std::uint64_t n_values,
                                             const std::string& target_path,
                                             const std::string& file) {
    std::vector<std::int64_t> raw = read_integers(ds, file);
    std::vector<std::uint64_t> end(raw.size());
    std::int64_t prev = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        std::int64_t v = raw[i];
        if (v < 0)
            fail(file, ds.path(),
                 "index out of range: entry " + std::to_string(i) + " is negative (" +
                     std::to_string(v) + ")");
        if (static_cast<std::uint64_t>(v) > n_values)
            fail(file, ds.path(),
                 "index out of range: entry " + std::to_string(i) + " is " + std::to_string(v) +
                     " > " + std::to_string(n_values) + " = length of " + target_path);
        if (v < prev)
            fail(file, ds.path(),
                 "index not monotonic non-decreasing: entry " + std::to_string(i) + " (" +
                     std::to_string(v) + ") < entry " + std::to_string(i - 1) + " (" +
                     std::to_string(prev) + ")");
        end[i] = static_cast<std::uint64_t>(v);
        prev = v;
    }
    std::uint64_t last = end.empty() ? 0 : end.back();
    if (last != n_values)
        fail(file, ds.path(),
             "last index entry " + std::to_string(last) + " != " + std::to_string(n_values) +
                 " = length of " + target_path + " (values not covered by any row)");
    return end;
}

namespace {

[[noreturn]] void fail_unsorted(const std::string& file, const std::string& path, std::size_t row,
                                std::int64_t id, std::uint64_t pos, double now, double before) {
    fail(file, path,
         "spike times not sorted within unit row " + std::to_string(row) + " (id " +
             std::to_string(id) + "): position " + std::to_string(pos) + " has " +
             number_text(now) + " after " + number_text(before));
}

} // namespace

std::size_t check_unit_spikes(std::span<const double> t, std::uint64_t offset, std::size_t row,
                              std::int64_t id, const std::string& path, const std::string& file,
                              bool allow_unsorted) {
    std::size_t inversions = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (!std::isfinite(t[i]))
            fail(file, path,
                 "non-finite spike time " + number_text(t[i]) + " at position " +
                     std::to_string(offset + i) + " (unit row " + std::to_string(row) + ", id " +
                     std::to_string(id) + ")");
        if (i > 0 && t[i] < t[i - 1]) {
            if (!allow_unsorted) fail_unsorted(file, path, row, id, offset + i, t[i], t[i - 1]);
            ++inversions;
        }
    }
    return inversions;
}

SpikeScan scan_spike_times(const h5::Dataset& spike_times, std::span<const std::uint64_t> end,
                           std::span<const std::int64_t> ids, std::size_t block,
                           bool allow_unsorted, const std::string& file) {
    const std::uint64_t n = end.empty() ? 0 : end.back();
    block = std::max<std::size_t>(block, 1);
    SpikeScan out;
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    std::size_t unit = 0;
    std::vector<double> buf;
    double carry = 0.0; // last value of the previous block
    auto mark_unsorted = [&](std::size_t row) {
        if (out.unsorted.empty() || out.unsorted.back() != row) out.unsorted.push_back(row);
    };
    for (std::uint64_t pos = 0; pos < n;) {
        std::uint64_t count = std::min<std::uint64_t>(block, n - pos);
        buf = spike_times.read_range<double>(pos, count);
        // Split the block at unit boundaries; a unit that began in an earlier block also has its
        // first value here compared with the previous block's last value.
        std::uint64_t i = 0;
        while (i < count) {
            while (end[unit] <= pos + i)
                ++unit;
            std::uint64_t stop = std::min<std::uint64_t>(end[unit], pos + count) - pos;
            std::span<const double> part(buf.data() + i, static_cast<std::size_t>(stop - i));
            if (const auto inversions = check_unit_spikes(part, pos + i, unit, ids[unit],
                                                          spike_times.path(), file, allow_unsorted);
                inversions != 0) {
                out.inversions += inversions;
                mark_unsorted(unit);
            }
            std::uint64_t unit_start = unit == 0 ? 0 : end[unit - 1];
            if (i == 0 && pos > unit_start && part.front() < carry) {
                if (!allow_unsorted)
                    fail_unsorted(file, spike_times.path(), unit, ids[unit], pos, part.front(),
                                  carry);
                ++out.inversions;
                mark_unsorted(unit);
            }
            for (double v : part) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
            i = stop;
        }
        carry = buf.back();
        pos += count;
    }
    if (n > 0) {
        out.first = lo;
        out.last = hi;
    }
    return out;
}

} // namespace neuropop::io::detail
