#pragma once
// Spec + inventory -> work items. Item ids are positions in one fixed order, so they never
// depend on the number of ranks:
//   stage 1: one bin item per population (session by key, then region by name);
//   then the planners of the registry's rows (jobs/item_kind.hpp): per population in the same
//   order, pca (all windows in one item), cvpca, fa, each needing its population's bin item;
//   then decoding, geometry and pseudo-populations, each over every population.
// A population is a session-region with at least data.min_units units in a selected region;
// the others are listed in Plan::skipped with the reason, and so is every analysis a population
// cannot feed: FA with no more units than fa.factors or fewer than 2 aligned trials, PCA with a
// window of fewer than 2 samples, cvPCA without a condition of 2 aligned trials (its two
// halves) or with fewer than 2 stimuli. Items planned here are items that can run: a session
// with a single trial is binned and skipped, never failed.

#include <vector>

#include "jobs/job_spec.hpp"
#include "jobs/plan.hpp"

namespace neuropop::jobs {

Plan make_plan(const JobSpec& spec, std::vector<SessionEntry> inventory);

} // namespace neuropop::jobs
