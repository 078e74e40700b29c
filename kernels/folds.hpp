#pragma once
// Cross-validation folds drawn with the work item's counter-based RNG (docs/ANALYSES.md §3).

#include <span>
#include <vector>

#include "kernels/rng.hpp"

namespace neuropop::kernels {

// Stratified k-fold assignment: fold id in [0, k) per trial, with exactly the per-fold class
// counts of scikit-learn's StratifiedKFold(shuffle=True): classes are taken in order of first
// appearance in `labels`, the labels sorted in that order are dealt to the folds in turn (fold
// f gets sorted positions f, f + k, ...), so within a class the fold sizes differ by at most
// one, and so do the total fold sizes. The trials of each class are then matched to its fold
// slots by a Fisher–Yates shuffle drawn from `rng` (class by class in the same order,
// continuing the stream, so calling again gives the next repeat).
//
// Every fold holds every class by construction when each class has at least k trials (a run of
// ≥ k consecutive sorted positions meets every residue mod k), so no redraw is ever needed.
// Labels must lie in [0, K) with K = max label + 1. Throws std::invalid_argument naming the
// class index when a class has fewer than k trials (including 0), when a label is negative, or
// when k < 2.
std::vector<int> stratified_folds(std::span<const int> labels, int k, CounterRng& rng);

// Plain shuffled k-fold for numeric targets: a random permutation of the trials dealt to folds
// in turn (fold sizes differ by at most one). Throws std::invalid_argument when k < 2 or there
// are fewer than k trials.
std::vector<int> shuffled_folds(std::size_t n_trials, int k, CounterRng& rng);

// Trial indices (ascending) in fold f (test) or outside it (train).
std::vector<int> fold_members(std::span<const int> folds, int f);
std::vector<int> fold_complement(std::span<const int> folds, int f);

} // namespace neuropop::kernels
