#pragma once
// Internal to engine/items/item_decode.cpp and decode_input.cpp: what a decode or decode_null item
// feeds the kernels — the target's labels (jobs/decode_targets.hpp, the rules the inventory already
// checked), one trials x units matrix per time (a bin, or a window's summed counts), and the
// cross-validation keyed by the item's shared scope.

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "engine/items/population.hpp"
#include "jobs/decode_targets.hpp"
#include "jobs/plan.hpp"
#include "kernels/decode.hpp"

namespace neuropop::engine::detail {

// RNG streams of a decode scope: folds, and permutation b at stream_decode_permutations + b
// (far above the fold stream, so no b reaches it).
inline constexpr std::uint64_t stream_decode_folds = 16;
inline constexpr std::uint64_t stream_decode_permutations = std::uint64_t{1} << 32;

struct DecodeInput {
    std::string column;
    std::vector<std::string> subset; // the target's class subset ("" when none)
    jobs::DecodeLabels labels;
    std::vector<Eigen::MatrixXd> times; // [time]: decoded trials x units
    bool windows = false;               // times are decode.windows (else every bin)
    std::vector<double> start, stop, centre;
    std::vector<std::string> names;
    std::vector<std::int64_t> trial_ids; // of the decoded trials
    std::size_t units = 0;
    int n_classes() const { return static_cast<int>(labels.classes.size()); }
};

// Throws std::runtime_error naming the item when the target cannot be decoded (the inventory
// refuses such jobs first, so this guards against a bin block that disagrees with the file).
DecodeInput decode_input(const jobs::JobSpec& spec, const Population& pop,
                         const jobs::WorkItem& item);

kernels::DecoderOptions decoder_options(const jobs::DecodeSection& d);
kernels::CrossValidation cross_validation(const jobs::JobSpec& spec, const jobs::WorkItem& item);
// The shuffled k-fold ids [repeat][trial] kernels::regress_bins draws for `cv`.
std::vector<std::vector<int>> regression_folds(const DecodeInput& in,
                                               const kernels::CrossValidation& cv);

} // namespace neuropop::engine::detail
