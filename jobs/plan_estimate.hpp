#pragma once
// What a job will cost before it runs (`neuropop plan`): work items by analysis, core-hours,
// wall time on R ranks, peak memory per rank and the results file's size. Seconds come from the
// planner's relative costs (WorkItem::cost) times a per-analysis rate in seconds per cost unit,
// measured on a reference machine (see plan_estimate.cpp for where and how); memory from the
// same per-item estimate run.max_item_mb is checked against.

#include <cstddef>
#include <string>
#include <vector>

#include "jobs/job_spec.hpp"
#include "jobs/plan.hpp"

namespace neuropop::jobs {

struct AnalysisEstimate {
    std::string analysis; // to_string of the kind: "bin", "pca", "decode_null", ...
    std::size_t items = 0;
    double cost = 0.0;      // sum of the planner's relative costs
    double seconds = 0.0;   // estimated CPU seconds of all these items
    bool calibrated = true; // false: no measured rate, the median rate of the others was used
};

struct PlanEstimate {
    std::vector<AnalysisEstimate> analyses; // in name order
    std::size_t items = 0;
    double core_seconds = 0.0;         // every item, one thread each
    double largest_item_seconds = 0.0; // a lower bound of the wall time
    double largest_item_bytes = 0.0;   // estimated memory of the largest item
    double results_bytes = 0.0;        // estimated size of the results file
    double binned_bytes = 0.0;         // the counts of every population (most of the file)
    double cache_bytes = 0.0;          // a rank's population cache budget (one rank per node)
    // Wall time on `ranks` ranks of `threads` threads, items run in parallel and the largest
    // one alone at the end, plus the merge at `merge_bytes_per_second`.
    double wall_seconds(int ranks, unsigned threads) const;
    // Peak resident memory of one rank: process baseline + its population cache, full up to its
    // budget or every population, whichever is smaller + `threads` items in flight, each held
    // twice (computed and being written).
    double rank_bytes(unsigned threads) const;
};

// The reference machine's figures, stated where they are defined.
inline constexpr double rank_baseline_bytes = 80.0 * 1024 * 1024;
inline constexpr double merge_bytes_per_second = 100.0 * 1024 * 1024;

PlanEstimate estimate_plan(const JobSpec& spec, const Plan& plan);

} // namespace neuropop::jobs
