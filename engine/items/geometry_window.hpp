#pragma once
// Representational geometry of one window (docs/ANALYSES.md §4) as a results group, separated from
// the work item so that other items (pseudo-populations) can give it their own trials.

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "io/result_block.hpp"
#include "jobs/job_spec.hpp"

namespace neuropop::engine::geometry {

// Model RDMs over a condition set's conditions, and the models left out (with why).
struct Models {
    std::vector<std::string> names;
    std::vector<std::vector<double>> rdms; // K x K row-major each
    std::vector<std::string> excluded;     // "name: reason"
};

// What every window of a condition set shares.
struct SetInput {
    const jobs::GeometrySection& spec;
    std::vector<std::string> columns;    // the set's trials columns
    std::vector<std::string> conditions; // labels, sorted
    std::vector<int> labels;             // per trial: index into conditions
    std::vector<std::int64_t> n_trials;  // per condition
    std::vector<int> folds;              // per trial: crossnobis fold (empty without crossnobis)
    Models models;
    std::uint64_t seed = 0, rng_key = 0; // CounterRng key of the item
};

// RNG streams of a geometry item: the crossnobis folds are drawn once for every window; the
// permutations and the few-shot episodes of window w get their own streams.
inline constexpr std::uint64_t stream_folds = 1;
inline std::uint64_t stream_permutations(std::size_t w) {
    return 16 * (w + 1) + 2;
}
inline std::uint64_t stream_episodes(std::size_t w) {
    return 16 * (w + 1) + 3;
}

// Adds the group `group` (/.../geometry/<set>/<window>) with the RDMs, comparisons and manifold
// geometry of `samples` (trials x units, counts summed over window `w`, index `w_index`).
void add_window(io::ResultBlock& block, const std::string& group, const SetInput& input,
                const jobs::Window& w, std::size_t w_index, const Eigen::MatrixXd& samples);

} // namespace neuropop::engine::geometry
