#pragma once
// Analysis windows as bin ranges of the aligned window, so every window cuts the binned counts
// on exact bin edges (the same edges kernels::bin_spikes uses).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "jobs/job_spec.hpp"

namespace neuropop::jobs {

// Bins [first, last) of the aligned window [align.start, align.stop).
struct BinRange {
    std::size_t first = 0;
    std::size_t last = 0;
    std::size_t size() const { return last - first; }
};

// The bins `w` covers, or nullopt (and in `why`, when given, the reason) when `w` is empty, not
// on bin edges, or not inside the aligned window. Edges follow kernels::BinWindow's whole-bins
// rule (within 1e-9 relative), so a decimal width like 0.05 works.
std::optional<BinRange> window_bins(const AlignSection& align, const Window& w,
                                    std::string* why = nullptr);

// The PCA windows in effect: pca.windows, or the whole aligned window named "all" when empty.
std::vector<Window> pca_windows(const JobSpec& spec);

} // namespace neuropop::jobs
