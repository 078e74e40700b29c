#pragma once
// Cross-animal summary of one pooled statistic (docs/ANALYSES.md §5): given each animal's value
// (its pseudo-population pooled alone, mean over its resamples) and each animal's null p, the
// mean over animals, a percentile bootstrap CI that resamples animals (not trials: the animal
// is the unit of replication) and Fisher's combination of the animals' p-values. Pure numerics;
// engine/items/item_pseudo_summary.cpp gathers the inputs from the items and writes the datasets.
//
// The arithmetic order is part of the contract: results files written before these functions
// moved here must stay byte-identical, so means divide each term before summing (not numpy's
// sum-then-divide) and the bootstrap draws animals in a fixed order from the given rng.

#include <cstddef>
#include <vector>

#include "kernels/rng.hpp"

namespace neuropop::kernels {

// Element-wise mean of equally shaped vectors: m[i] = Σ_k (xs[k][i] / K), summed in k order.
// Throws std::invalid_argument for no vectors or unequal lengths.
std::vector<double> mean_over(const std::vector<std::vector<double>>& xs);

// Quantile q ∈ [0, 1] of v by linear interpolation between order statistics (numpy's default
// method, 'linear'): position q (n − 1) of the sorted values. Throws std::invalid_argument for
// an empty v.
double quantile_linear(std::vector<double> v, double q);

struct CrossAnimalSummary {
    // One entry per element of the statistic (time bin, comparison...).
    std::vector<double> mean;     // mean over animals (mean_over)
    std::vector<double> ci_low;   // 2.5th percentile of the bootstrap means
    std::vector<double> ci_high;  // 97.5th percentile of the bootstrap means
    std::vector<double> fisher_p; // Fisher's combination of the finite animal p-values; NaN if none
};

// The bootstrap means: [element][resample], `resamples` draws of A animals with replacement,
// animal = rng.below(A), A draws per resample in resample order, each resample's mean summed
// as in mean_over. Throws std::invalid_argument for no animals, unequal lengths or 0 resamples.
std::vector<std::vector<double>> bootstrap_means(const std::vector<std::vector<double>>& per_animal,
                                                 std::size_t resamples, CounterRng& rng);

// per_animal and p_animal: [animal][element] (p NaN where an animal has no null). The CI comes
// from bootstrap_means(per_animal, resamples, rng). Throws std::invalid_argument when the shapes
// disagree, there are no animals or no resamples, or a finite p lies outside [0, 1].
CrossAnimalSummary cross_animal_summary(const std::vector<std::vector<double>>& per_animal,
                                        const std::vector<std::vector<double>>& p_animal,
                                        std::size_t resamples, CounterRng& rng);

} // namespace neuropop::kernels
