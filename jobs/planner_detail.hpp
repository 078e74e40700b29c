#pragma once
// Internal to jobs/planner*.cpp: the populations the planner found and the per-analysis item
// builders (decoding and geometry live in their own files).

#include <cstdint>
#include <string>
#include <vector>

#include "jobs/job_spec.hpp"
#include "jobs/plan.hpp"

namespace neuropop::jobs::detail {

// A population (session-region) and the sizes that set the cost of its items.
struct Population {
    std::size_t session = 0;
    std::string region;
    double units = 0, trials = 0, conditions = 1, spikes = 0;
    std::uint64_t bin_item = 0;
    std::size_t labelled_conditions = 0;   // conditions with at least one aligned trial
    std::size_t splittable_conditions = 0; // conditions with at least 2 aligned trials
};

// Appends `item` with id = its position and returns that id.
inline std::uint64_t add_item(Plan& plan, WorkItem item) {
    item.id = plan.items.size();
    plan.items.push_back(std::move(item));
    return plan.items.back().id;
}

// Stage 2 "decode" and "decode_null" items per population and target, then stage 3
// "decode_summary" items per region and target. `bins`: bins of the aligned window.
void add_decode_items(const JobSpec& spec, const std::vector<Population>& populations, double bins,
                      Plan& plan);
// Stage 2 "geometry" items per population and condition set.
void add_geometry_items(const JobSpec& spec, const std::vector<Population>& populations,
                        double bins, Plan& plan);

// Pseudo-population items (jobs/planner_pseudo.cpp): per region, analysis and target, resample
// and null items pooling the contributing sessions' bin items, an assembling "pseudo" item, and
// per (analysis, target) one "pseudo_summary" item across regions and animals.
void add_pseudo_items(const JobSpec& spec, const std::vector<Population>& populations, Plan& plan);

} // namespace neuropop::jobs::detail
