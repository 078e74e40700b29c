#pragma once
// Internal to engine/items/item_interactions*.cpp: what an interactions item (one session and
// ordered region pair) and its interactions_folds items (blocks of its folds,
// interactions.folds_per_item) share — the data both derive the same way from the two bin items,
// the per-fold rows of every curve for a range of folds, and their assembly into the curves.
// Both kinds compute the rows with fold_rows, so a split pair runs the arithmetic of an unsplit
// one and writes the same bits (kernels/reduced_rank.hpp: cv_curve of stacked fold blocks).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "engine/items/population.hpp"
#include "io/result_block.hpp"
#include "jobs/plan.hpp"
#include "jobs/windows.hpp"
#include "kernels/reduced_rank.hpp"

namespace neuropop::engine::detail {

// RNG streams of a pair's scope (the item's rng_key, which depends only on the session, the
// source region and the pair, so the pair's fold items draw the same): folds, the within-area
// unit split, and one stream per permutation from stream_null_first on
// (kernels::rrr_permutation_null).
inline constexpr std::uint64_t stream_rrr_folds = 1;
inline constexpr std::uint64_t stream_unit_split = 2;
inline constexpr std::uint64_t stream_null_first = 1000;

// The pair's data as every item of the pair sees it.
struct PairInput {
    jobs::BinRange range;        // interactions.window in bins
    std::vector<int> conditions; // condition index of each trial
    Eigen::MatrixXd x, y;        // trials x units window sums (residuals if interactions.residuals)
    int max_rank = 0;            // interactions.ranks as the kernels take it
    std::vector<int> folds;      // fold id of each trial
    std::vector<double> lambdas; // ridge penalties, largest first
    // Within-area control (interactions.within_area and a target of at least 2 units): the
    // target's units split into a predictor group of `predictor` units and the rest.
    bool within = false;
    int predictor = 0;
    kernels::UnitSplit split;
    Eigen::MatrixXd xw, yw;
};

// Throws std::runtime_error naming the item when the window, the trials or the fold count do
// not fit the data.
PairInput pair_input(const jobs::JobSpec& spec, std::uint64_t rng_key, const std::string& name,
                     const Population& source, const Population& target);

// Fold rows [first, last) of every curve of the pair: the rank curve, the ridge curve, the
// within-area curve (empty unless in.within) and the null ([permutation, fold, rank] as
// kernels::rrr_null_fold_performance; empty without permutations).
struct FoldRows {
    int first = 0, last = 0;
    Eigen::MatrixXd curve, ridge, within, null;
};
FoldRows fold_rows(const jobs::JobSpec& spec, std::uint64_t rng_key, const PairInput& in, int first,
                   int last);

// The pair's curves from fold blocks that, ordered by first, tile [0, interactions.folds);
// std::logic_error naming the item otherwise (a plan error), std::runtime_error for a block whose
// shape does not fit the data.
struct PairCurves {
    kernels::CvCurve curve, ridge;
    std::optional<kernels::CvCurve> within;
    Eigen::VectorXd null; // peak per permutation (empty without permutations)
};
PairCurves assemble_pair_curves(const jobs::JobSpec& spec, const PairInput& in,
                                std::vector<FoldRows> blocks, const std::string& name);

// An interactions_folds item's file: its rows below /interactions_folds/... (intermediate, not
// merged), and reading them back from that file's block (`file` for messages).
io::ResultBlock fold_rows_block(const jobs::WorkItem& fold_item, const FoldRows& rows);
FoldRows read_fold_rows(const io::ResultBlock& block, const std::filesystem::path& file,
                        const jobs::WorkItem& fold_item);

} // namespace neuropop::engine::detail
