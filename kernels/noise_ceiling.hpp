#pragma once
// The noise ceiling of an RSA model comparison (Nili et al. 2014, PLoS Comput. Biol., "A toolbox
// for representational similarity analysis"): the range in which the similarity of the true
// model's RDM to the measured RDMs would fall, given their between-session (or between-split)
// variability. S RDMs of one region over the same K conditions, compared with `how` (the
// comparisons of kernels/rdm_compare.hpp):
//   upper = (1/S) Σ_s compare(RDM_s, mean_all RDM)              (the mean includes RDM_s)
//   lower = (1/S) Σ_s compare(RDM_s, mean_{t ≠ s} RDM_t)        (leave-one-out)
// The mean RDM is the entrywise mean of the RDMs as given. rsatoolbox first transforms each
// RDM to suit the comparison (ranks for Spearman and τa, unit norm for the cosine), which makes
// the upper bound the exact maximum for Pearson-type comparisons; the project's spec averages
// the RDMs as they are, and so do we.
//
// A brain-RDM vs layer-RDM permutation p-value is rdm_permutation_test in rdm_compare.hpp
// (condition labels permuted jointly over rows and columns); not repeated here.
//
// Cost: S + S comparisons of K(K−1)/2 entries (τa: O((K²)²) each). Serial: S is small.

#include <vector>

#include <Eigen/Core>

#include "kernels/rdm_compare.hpp"

namespace neuropop::kernels {

struct NoiseCeiling {
    double lower = 0.0, upper = 0.0;
    Eigen::VectorXd lower_each; // [s] compare(RDM_s, leave-one-out mean)
    Eigen::VectorXd upper_each; // [s] compare(RDM_s, mean of all)
};

// `rdms`: S ≥ 2 RDMs, each K × K with K ≥ 2 (only their upper triangles are read). A NaN
// comparison (e.g. a constant RDM) propagates to the mean. Throws std::invalid_argument on
// fewer than two RDMs or unequal shapes.
NoiseCeiling rsa_noise_ceiling(const std::vector<Eigen::MatrixXd>& rdms, RdmComparison how);

} // namespace neuropop::kernels
