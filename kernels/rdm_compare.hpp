#pragma once
// Comparing RDMs through their upper triangles (docs/ANALYSES.md §4), and a condition-label
// permutation test.

#include <cstddef>
#include <vector>

#include <Eigen/Core>

#include "kernels/rng.hpp"

namespace neuropop::kernels {

enum class RdmComparison {
    Spearman, // Pearson r of average ranks (ties share their mean rank), as scipy.stats.spearmanr
    KendallTauA, // (n_c − n_d) / (n(n−1)/2) over all pairs of entries, no tie correction
    Cosine,      // a·b / (‖a‖‖b‖), uncentred
    // Whitened unbiased cosine (Diedrichsen et al. 2021, NeuroImage 240:118271; rsatoolbox's
    // 'cosine_cov' without a pattern covariance): a·V⁻¹b / √(a·V⁻¹a · b·V⁻¹b), V = Ξ∘Ξ,
    // Ξ = C Cᵀ, C the pairs × K contrast matrix — V is the covariance of the distance estimates
    // under i.i.d. noise (up to a factor, ignoring the signal-dependent term). Computed in closed
    // form: it equals the Frobenius cosine of the double-centred matrices −½ H D H (H = I − 11ᵀ/K),
    // O(K²) instead of a solve with the pairs × pairs V. Needs K ≥ 3 conditions.
    WhitenedCosine,
};

// The name results files carry for a comparison (and job keys accept): "spearman",
// "kendall_tau_a", "cosine", "whitened_cosine".
const char* comparison_name(RdmComparison how);

// Entries strictly above the diagonal, row by row: (0,1), (0,2), …, (1,2), … Throws
// std::invalid_argument for a non-square matrix.
Eigen::VectorXd upper_triangle(const Eigen::Ref<const Eigen::MatrixXd>& rdm);

// Similarity of two equally long vectors (NaN when undefined, e.g. a constant vector).
double compare_vectors(const Eigen::Ref<const Eigen::VectorXd>& a,
                       const Eigen::Ref<const Eigen::VectorXd>& b, RdmComparison how);

// Similarity of the upper triangles of two K × K RDMs (K ≥ 2).
double compare_rdms(const Eigen::Ref<const Eigen::MatrixXd>& data,
                    const Eigen::Ref<const Eigen::MatrixXd>& model, RdmComparison how);

// An RDM prepared once for Spearman comparisons: the average ranks of its upper triangle (row by
// row), centred on their mean, and their squared norm. Spearman of two RDMs is then one dot
// product, so P populations against L layers rank P + L vectors instead of 2 P L (each an
// O(m log m) sort of the m = K(K−1)/2 distances). A label permutation of an RDM permutes its
// ranks (a value's average rank depends on the values only), so a permutation test ranks nothing
// again either.
struct RankedRdm {
    Eigen::Index conditions = 0;
    Eigen::VectorXd centred;   // average ranks − their mean
    double squared_norm = 0.0; // centred · centred
};

// Ranks a K × K RDM (K ≥ 2) for spearman().
RankedRdm rank_rdm(const Eigen::Ref<const Eigen::MatrixXd>& rdm);

// compare_rdms(a, b, RdmComparison::Spearman) of the RDMs a and b were ranked from, bit for bit
// (the same ranks, centring, dot product and norms). Throws when the sizes differ.
double spearman(const RankedRdm& a, const RankedRdm& b);

struct RdmPermutationTest {
    double observed = 0.0;
    double p_value = 1.0;     // (1 + #{null ≥ observed}) / (1 + permutations)
    std::vector<double> null; // one value per permutation, in draw order
};

// Permutes the condition labels of `data` (rows and columns together, one Fisher–Yates shuffle
// from `rng` per permutation) and compares each permuted RDM with `model`. A NaN null value
// never counts as ≥ observed.
RdmPermutationTest rdm_permutation_test(const Eigen::Ref<const Eigen::MatrixXd>& data,
                                        const Eigen::Ref<const Eigen::MatrixXd>& model,
                                        RdmComparison how, std::size_t permutations,
                                        CounterRng& rng);

// The same test for RdmComparison::Spearman on RDMs ranked once: the same shuffles and, while
// the rank sums are exact in double precision (K ≲ 700 conditions), the same bits; beyond that
// a permuted vector's squared norm (equal in exact arithmetic) is taken from `data` instead of
// being re-summed in the permuted order, a last-bit difference.
RdmPermutationTest rdm_permutation_test(const RankedRdm& data, const RankedRdm& model,
                                        std::size_t permutations, CounterRng& rng);

} // namespace neuropop::kernels
