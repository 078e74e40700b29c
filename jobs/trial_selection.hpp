#pragma once
// The trials a job bins: those that pass trials.where (jobs/trial_filter.hpp) and have a finite
// alignment time. The bin item, the planner and every check before work use these, so what is
// checked is what is binned.

#include <string>
#include <utility>
#include <vector>

#include "io/nwb_reader.hpp"
#include "jobs/job_spec.hpp"
#include "jobs/trial_filter.hpp"

namespace neuropop::jobs {

// The parsed trials.where (empty when none); the key's parser has already refused bad text.
TrialFilter job_filter(const JobSpec& spec);

// trials.where evaluated on `trials`. A filter this table cannot feed (a missing column, a type
// mismatch: reported by check_trial_filter) keeps every row here, so the other checks still run.
FilterOutcome filter_trials(const JobSpec& spec, const io::TrialsTable& trials);

// Rows the bin item keeps, ascending: the filter passes and align.event is finite (none when
// align.event is missing or not numeric).
std::vector<std::size_t> binned_rows(const JobSpec& spec, const io::TrialsTable& trials);

// trials.where against every session's trials table (file as shown in messages): a column no
// session has or some session lacks, a numeric comparison on a string column, a value that is
// not a number for a numeric column, and (in / ==) a string value that occurs in no session.
// One line per problem, each starting "trials.where: ".
void check_trial_filter(const JobSpec& spec,
                        const std::vector<std::pair<std::string, const io::TrialsTable*>>& tables,
                        std::vector<std::string>& problems);

} // namespace neuropop::jobs
