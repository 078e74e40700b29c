#pragma once
// The bins the coupled Poisson GLM sees (docs/ANALYSES.md §7): coupling.window cut from the
// aligned window, align.bin_width bins summed into GLM bins of coupling.bin, and the history's
// length in GLM bins. Shared by the job checks, the planner, the item-size estimate and the item.

#include <cstddef>
#include <optional>
#include <string>

#include "jobs/job_spec.hpp"
#include "jobs/windows.hpp"

namespace neuropop::jobs {

struct CouplingShape {
    BinRange range;        // align bins of coupling.window
    std::size_t merge = 1; // align bins per GLM bin
    std::size_t bins = 0;  // GLM bins per trial: range.size() / merge
    std::size_t lags = 0;  // GLM bins of history
    double bin = 0;        // GLM bin width (s)
};

// nullopt (and in `why` the key and reason) when the [coupling] keys do not fit the alignment:
// the window must lie on bin edges, the GLM bin must be whole align bins and tile the window,
// the history whole GLM bins (at least 2 and at least coupling.history_basis), and the window at
// least max(2, coupling.stimulus_basis) GLM bins.
std::optional<CouplingShape> coupling_shape(const JobSpec& spec, std::string* why = nullptr);

} // namespace neuropop::jobs
