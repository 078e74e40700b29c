#pragma once
// Pooling one region's sessions into a pseudo-population (docs/ANALYSES.md §5): for every condition
// the same number of trials is drawn from each session, without replacement, and the i-th draw
// of every session forms pseudo-trial i of that condition, units side by side. Units of one
// session therefore keep their shared trials (and noise correlations); only the sessions are
// independent, as they were recorded.

#include <cstddef>
#include <string>
#include <vector>

#include "engine/items/population.hpp"
#include "kernels/rng.hpp"

namespace neuropop::engine {

struct PoolSource {
    const Population* population = nullptr;
    std::vector<std::string> labels; // pooling label of each of its trials
};

struct PoolOptions {
    std::size_t per_condition = 0; // trials drawn per condition and session
    // Null: each session's labels are permuted (Fisher–Yates from the same rng, before the
    // draws) so every pseudo-trial mixes conditions consistently across that session's units.
    bool shuffle_labels = false;
};

// The labels every source has at least `per_condition` trials of, sorted. Sources lacking one
// are named in `missing` ("<index>: label 'x' has 3 trials") when it is given.
std::vector<std::string> common_conditions(const std::vector<PoolSource>& sources,
                                           std::size_t per_condition,
                                           std::vector<std::string>* missing = nullptr);

// A pooled Population: trials = conditions × per_condition (condition-major, conditions sorted),
// units = the sources' units in source order, bins and bin edges of the first source (all must
// agree). Its trial_conditions are the pooling labels; `conditions`/`trials_of` are set; its
// columns are empty. Draws: for each source in order (its label shuffle first when asked), for
// each condition in order, a Fisher–Yates shuffle of that condition's trials, of which the first
// per_condition are used. Throws std::invalid_argument when a source lacks a condition's trials
// or the bins disagree.
// `source_trials`, when given, receives [source][pseudo-trial] the source trial each pseudo-trial
// took.
Population pool(const std::vector<PoolSource>& sources, const std::vector<std::string>& conditions,
                const PoolOptions& options, kernels::CounterRng& rng,
                std::vector<std::vector<std::size_t>>* source_trials = nullptr);

} // namespace neuropop::engine
