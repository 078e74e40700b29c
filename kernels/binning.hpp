#pragma once
// Trial-aligned spike counting (docs/ANALYSES.md §1). Bins are half-open: bin k of a trial aligned
// at time a counts spikes s with e_k <= s < e_{k+1}, where e_k = (a + start) + k * width, evaluated
// in double exactly in that order (so numpy's searchsorted on the same edges gives identical
// counts).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace neuropop::kernels {

struct BinWindow {
    double start = 0.0; // seconds relative to the alignment event, inclusive
    double stop = 0.0;  // exclusive
    double width = 0.0; // bin width in seconds
    // Number of bins: round((stop - start) / width); the window must be a whole number of bins
    // within 1e-9 relative, else validate() names the problem. 0 when the window is invalid.
    std::size_t bins() const;
    // Empty string when valid, else a one-line reason. Valid: start, stop, width finite,
    // width > 0, stop > start, a whole number of bins (at most 1e9).
    std::string validate() const;
};

// Left edge of bin k of a trial aligned at `align`: (align + start) + k * width in double, in
// that order and never fused into an FMA. k = bins() gives the window's right end.
double bin_edge(double align, const BinWindow& window, std::size_t k);

// Spike trains of several units in compressed form: unit u spans times[offsets[u], offsets[u+1]).
struct SpikeTrains {
    std::vector<double> times;
    std::vector<std::size_t> offsets{0};
    std::size_t units() const { return offsets.size() - 1; }
    std::span<const double> unit(std::size_t u) const {
        return {times.data() + offsets[u], offsets[u + 1] - offsets[u]};
    }
};

// counts[trial][unit][bin], row-major, uint32. `trials` lists the input trial rows that were kept
// (rows whose alignment time is NaN or infinite are dropped and counted in dropped_nonfinite).
struct CountTensor {
    std::size_t n_trials = 0, n_units = 0, n_bins = 0;
    std::vector<std::uint32_t> values;
    std::vector<std::size_t> trials;
    std::size_t dropped_nonfinite = 0;
    std::uint32_t& at(std::size_t t, std::size_t u, std::size_t b) {
        return values[(t * n_units + u) * n_bins + b];
    }
    std::uint32_t at(std::size_t t, std::size_t u, std::size_t b) const {
        return values[(t * n_units + u) * n_bins + b];
    }
};

// Counts every unit's spikes in every trial's window. Parallel over units with TBB; the result
// does not depend on the thread count. Spike times per unit must be sorted (io validates);
// alignment times may come in any order. A NaN or infinite alignment time drops the trial: an
// infinite one would otherwise give a trial of zero counts that looks like a silent trial.
// Memory: the output tensor plus one double per trial. Throws
// std::invalid_argument for an invalid window or inconsistent offsets.
CountTensor bin_spikes(const SpikeTrains& spikes, std::span<const double> align,
                       const BinWindow& window);

} // namespace neuropop::kernels
