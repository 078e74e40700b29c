#pragma once
// The trials columns a job reads beyond its alignment event and condition columns: decoding
// targets, geometry condition sets and model columns. The bin item copies each of them (kept
// trials only) next to the counts, so stage-2 items never reopen the NWB file.

#include <string>
#include <vector>

#include "jobs/job_spec.hpp"

namespace neuropop::jobs {

// Distinct column names, in first-mention order (decode targets, then geometry).
std::vector<std::string> extra_trial_columns(const JobSpec& spec);

} // namespace neuropop::jobs
