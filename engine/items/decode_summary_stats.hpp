#pragma once
// Cross-session statistics of one decode target (docs/ANALYSES.md §3): per region, the sessions'
// accuracy (R^2 for ridge) and permutation p-values side by side, Fisher's combination of the
// p-values across the region's sessions at each time, and Benjamini–Hochberg FDR over every
// region and time point of the target. A pure function of decode groups, independent of the
// plan, so `neuropop merge` of Slurm shards can build the same summary from merged results.

#include <string>
#include <vector>

#include "io/result_block.hpp"

namespace neuropop::engine {

// Builds /summary/<region>/decode/<target>/ (target = path_safe(column)) for every region that
// has a /sessions/<session>/<region>/decode/<target> group in `blocks` (each decode group
// whole within one block, as a decode item writes it). Sessions of a region must share the time
// axis. Without p_value in every session the p-value datasets (p_value, fisher_p, q_value,
// significant) are left out. Throws std::runtime_error when no decode group of the target is
// found or the time axes differ.
io::ResultBlock decode_summary(const std::vector<const io::ResultBlock*>& blocks,
                               const std::string& column, double alpha = 0.05);

} // namespace neuropop::engine
