#pragma once
// A session-region's binned counts as stage-2 items see them, and the sample matrices the
// dimensionality kernels take (docs/ANALYSES.md §2): condition-mean PSTH bins, single-trial bins,
// disjoint random halves of each condition's trials.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "io/result_block.hpp"
#include "jobs/windows.hpp"
#include "kernels/rng.hpp"

namespace neuropop::engine {

// A trials column copied by the bin item (jobs/columns.hpp), one value per kept trial.
struct TrialColumn {
    bool is_string = false;
    std::vector<std::string> strings;
    std::vector<double> numbers;
    // The value of trial t as a label: strings as stored, numbers in their shortest exact form.
    std::string label(std::size_t t) const;
};

struct Population {
    std::size_t trials = 0, units = 0, bins = 0;
    std::vector<std::uint32_t> counts; // [trial][unit][bin], row-major
    std::vector<std::int64_t> unit_ids;
    std::vector<std::int64_t> trial_ids; // /intervals/trials/id of each kept trial (when copied)
    std::vector<std::string> trial_conditions;       // condition label of each kept trial
    std::vector<double> bin_edges;                   // bins + 1, seconds relative to the event
    std::vector<std::string> conditions;             // distinct labels, sorted
    std::vector<std::vector<std::size_t>> trials_of; // per condition: its trials, ascending
    std::map<std::string, TrialColumn> columns;      // by trials-column name

    // The named column; std::runtime_error when the bin item did not copy it.
    const TrialColumn& column(const std::string& name) const;

    std::uint32_t at(std::size_t t, std::size_t u, std::size_t b) const {
        return counts[(t * units + u) * bins + b];
    }
    std::vector<double> bin_centers(const jobs::BinRange& r) const;

    // From the bin item's block; `group` is the population's /binned/... group.
    static Population from_block(const io::ResultBlock& block, const std::string& group);
};

// Trials of each condition: the lists to average over (one list per condition used).
using TrialGroups = std::vector<std::vector<std::size_t>>;

// Rows (condition c, bin b) in that order, b over r, columns units: mean count over the trials
// of groups[c]. Each mean is summed in ascending trial order, so the bits are fixed.
Eigen::MatrixXd condition_means(const Population& pop, const TrialGroups& groups,
                                const jobs::BinRange& r);
// Rows (trial, bin) in that order for the given trials, columns units.
Eigen::MatrixXd trial_bins(const Population& pop, const std::vector<std::size_t>& trials,
                           const jobs::BinRange& r);
// Rows = trials, columns units: counts summed over the bins of r.
Eigen::MatrixXd window_sums(const Population& pop, const jobs::BinRange& r);

// Two disjoint random halves of each condition's trials, floor(n/2) trials each (an odd trial
// out is left out), for the conditions with at least 2 trials; `used` lists those conditions.
// Draws come from `rng` condition by condition (Fisher–Yates), so they depend only on the seed,
// the item id and the stream.
struct Halves {
    std::vector<std::size_t> used;
    TrialGroups a, b;
};
Halves split_halves(const Population& pop, kernels::CounterRng& rng);

std::vector<std::size_t> flatten(const TrialGroups& groups); // sorted

} // namespace neuropop::engine
