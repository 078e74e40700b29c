#pragma once
// Condition sets and model columns of the [geometry] section, shared by the inventory checks
// (before any work starts, on the NWB trials tables) and the geometry item (on the columns the
// bin item copied), so both derive conditions and model RDMs by the same rules.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "jobs/job_spec.hpp"

namespace neuropop::jobs::geometry {

// The geometry windows in effect: geometry.windows, or the whole aligned window named "all".
std::vector<Window> windows(const JobSpec& spec);

// "stimulus_ID*stimulus_position": the set as written in the job (work item target).
std::string set_name(const std::vector<std::string>& set);
// "stimulus_ID_x_stimulus_position": the set's results group name (not yet path_safe).
std::string set_group(const std::vector<std::string>& set);

// Per-trial joint labels of a set: `label(column, trial)` joined by '|', and the sorted distinct
// labels with each trial's index into them.
struct Conditions {
    std::vector<std::string> labels;      // sorted, distinct
    std::vector<int> of_trial;            // per trial: index into labels
    std::vector<std::size_t> trial_count; // per condition
};
Conditions joint_conditions(
    const std::vector<std::string>& set, std::size_t trials,
    const std::function<std::string(const std::string& column, std::size_t trial)>& label);

// The model RDM a trials column gives over a set's conditions: 0 where two conditions share the
// column's value, 1 where they differ (K x K, row-major). The column must be one of the set's
// columns or constant within each condition; otherwise nullopt and, in `why`, the first
// condition where it varies.
std::optional<std::vector<double>> column_model(const Conditions& conditions,
                                                const std::vector<std::string>& column_labels,
                                                std::string& why);

// Whether every pair of distinct conditions has the same model value (a constant upper
// triangle, whose rank correlation with anything is undefined).
bool constant_off_diagonal(const std::vector<double>& rdm, std::size_t k);

// The smallest trial count a condition needs under this job: the crossnobis folds (when
// crossnobis is configured) and max(shots) + 1 (the few-shot classifier trains on m and tests
// on the rest); `why` says which rule sets it.
std::size_t min_trials_per_condition(const GeometrySection& g, std::string& why);

} // namespace neuropop::jobs::geometry
