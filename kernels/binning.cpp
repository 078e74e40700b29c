#include "kernels/binning.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

// This file is compiled with -ffp-contract=off (kernels/CMakeLists.txt): with FMA available the
// compiler would otherwise fuse (a + start) + k * width into one rounding, and the edges would
// no longer be the ones numpy computes.

namespace neuropop::kernels {

namespace {

// A window longer than this many bins would need 4 GB of counts per (trial, unit).
constexpr double max_bins = 1e9;
// The window must hold a whole number of bins up to this relative error (decimal widths such
// as 0.05 are not exact in binary, so (stop - start) / width is rarely an exact integer).
constexpr double whole_bins_tolerance = 1e-9;

std::string format(double x) {
    std::ostringstream os;
    os.precision(10);
    os << x;
    return os.str();
}

// First position in [from, end) whose value is >= key, given that every value before `from` is
// < key: gallops forward from `from`, so a key just past the previous one costs O(1) instead of
// a binary search over the whole unit (which took ~15% of the time when trials tile a session).
const double* lower_bound_from(const double* from, const double* end, double key) {
    std::size_t step = 1;
    const double* lo = from;
    while (static_cast<std::size_t>(end - lo) > step && lo[step] < key) {
        lo += step;
        step *= 2;
    }
    return std::lower_bound(lo, std::min(lo + step, end), key);
}

void bin_unit(std::span<const double> times, std::span<const double> align_kept,
              const BinWindow& window, std::size_t n_bins, std::uint32_t* out, std::size_t stride) {
    const double* const begin = times.data();
    const double* const end = begin + times.size();
    const double inv_width = 1.0 / window.width;
    const auto last_bin = static_cast<std::int64_t>(n_bins) - 1;
    // Every spike before prev_first is < prev_origin and every spike before prev_stop is
    // < prev_end, so a trial starting after the previous one searches forward from there; any
    // other order (unsorted alignment times) falls back to a binary search of the whole unit.
    double prev_origin = -std::numeric_limits<double>::infinity();
    double prev_end = prev_origin;
    const double* prev_first = begin;
    const double* prev_stop = begin;
    for (std::size_t t = 0; t < align_kept.size(); ++t, out += stride) {
        const double origin = align_kept[t] + window.start;
        const double window_end = bin_edge(align_kept[t], window, n_bins);
        const double* s = origin >= prev_end      ? lower_bound_from(prev_stop, end, origin)
                          : origin >= prev_origin ? lower_bound_from(prev_first, end, origin)
                                                  : std::lower_bound(begin, end, origin);
        prev_origin = origin;
        prev_first = s;
        // One pass over the spikes in the window. (s - origin) / width is within rounding of the
        // bin; the exact edges then decide, so a spike on an edge lands where numpy's
        // searchsorted puts it. The correction is rarely needed, so the branch predicts well.
        for (; s != end && *s < window_end; ++s) {
            const double x = *s;
            auto b = std::min(static_cast<std::int64_t>((x - origin) * inv_width), last_bin);
            const double bd = static_cast<double>(b); // bd + 1 is exact: b < 2^53
            if (x < origin + bd * window.width ||
                (b < last_bin && x >= origin + (bd + 1.0) * window.width)) [[unlikely]] {
                while (b > 0 && x < origin + static_cast<double>(b) * window.width)
                    --b;
                while (b < last_bin && x >= origin + static_cast<double>(b + 1) * window.width)
                    ++b;
            }
            ++out[b];
        }
        prev_end = window_end;
        prev_stop = s;
    }
}

void check_offsets(const SpikeTrains& spikes) {
    const auto& off = spikes.offsets;
    if (off.empty() || off.front() != 0 || off.back() != spikes.times.size() ||
        !std::is_sorted(off.begin(), off.end()))
        throw std::invalid_argument("bin_spikes: spike offsets must start at 0, be "
                                    "non-decreasing and end at the number of spike times");
}

} // namespace

std::string BinWindow::validate() const {
    if (!std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(width))
        return "window start, stop and width must be finite (got start " + format(start) +
               ", stop " + format(stop) + ", width " + format(width) + ")";
    if (!(width > 0)) return "bin width must be > 0 (got " + format(width) + ")";
    if (!(stop > start))
        return "window stop must be greater than start (got [" + format(start) + ", " +
               format(stop) + "))";
    const double ratio = (stop - start) / width;
    if (ratio > max_bins)
        return "window holds " + format(ratio) + " bins, more than " + format(max_bins);
    const double n = std::round(ratio);
    if (n < 1 || std::abs(ratio - n) > whole_bins_tolerance * n)
        return "window length " + format(stop - start) + " s is not a whole number of bins of " +
               format(width) + " s (" + format(ratio) + " bins)";
    return {};
}

std::size_t BinWindow::bins() const {
    if (!validate().empty()) return 0;
    return static_cast<std::size_t>(std::llround((stop - start) / width));
}

double bin_edge(double align, const BinWindow& window, std::size_t k) {
    return (align + window.start) + static_cast<double>(k) * window.width;
}

CountTensor bin_spikes(const SpikeTrains& spikes, std::span<const double> align,
                       const BinWindow& window) {
    if (auto why = window.validate(); !why.empty())
        throw std::invalid_argument("bin_spikes: " + why);
    check_offsets(spikes);

    CountTensor out;
    out.n_bins = window.bins();
    out.n_units = spikes.units();
    std::vector<double> align_kept;
    for (std::size_t i = 0; i < align.size(); ++i) {
        if (!std::isfinite(align[i])) {
            ++out.dropped_nonfinite;
        } else {
            out.trials.push_back(i);
            align_kept.push_back(align[i]);
        }
    }
    out.n_trials = out.trials.size();
    const std::size_t per_trial = out.n_units * out.n_bins;
    if (out.n_units != 0 &&
        (per_trial / out.n_units != out.n_bins ||
         (out.n_trials != 0 && per_trial > out.values.max_size() / out.n_trials)))
        throw std::length_error("bin_spikes: trials x units x bins overflows the count tensor");
    out.values.assign(out.n_trials * per_trial, 0);
    if (out.values.empty()) return out;

    // Each unit writes only its own [trial][u][*] slices, so the result cannot depend on how
    // TBB splits the unit range or on the thread count.
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, out.n_units),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t u = r.begin(); u != r.end(); ++u)
                              bin_unit(spikes.unit(u), align_kept, window, out.n_bins,
                                       out.values.data() + u * out.n_bins, per_trial);
                      });
    return out;
}

} // namespace neuropop::kernels
