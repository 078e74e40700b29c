#pragma once
// Spec + inventory -> work items. Item ids are positions in one fixed order, so they never
// depend on the number of ranks:
//   stage 1: one "bin" item per population (session by key, then region by name);
//   stage 2: per population in the same order, "pca" (all windows in one item), "cvpca", "fa",
//            each needing its population's bin item.
// A population is a session-region with at least data.min_units units in a selected region;
// the others, and FA where a population has no more units than fa.factors, are listed in
// Plan::skipped with the reason.

#include <vector>

#include "jobs/job_spec.hpp"
#include "jobs/plan.hpp"

namespace neuropop::jobs {

Plan make_plan(const JobSpec& spec, std::vector<SessionEntry> inventory);

} // namespace neuropop::jobs
