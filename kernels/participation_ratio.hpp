#pragma once
// Participation ratio PR = (Σλ)² / Σλ² = tr(C)² / tr(C²) (docs/ANALYSES.md §2): the number of
// dimensions a covariance effectively spans, between 1 (rank one) and N (isotropic).
//
// The plug-in value from a sample covariance is biased low for few samples: E tr(Ĉ²) exceeds
// tr(C²) by about (tr(C)² + tr(C²)) / P for Gaussian data. The split-half estimate replaces
// tr(C²) by tr(C_A C_B), with C_A, C_B from disjoint halves of the samples: their errors are
// independent, so E tr(C_A C_B) = tr(C²) exactly.
//
// A zero covariance has no dimension: all three return NaN (0 / 0). The split-half estimate is
// NaN too when tr(C_A C_B) <= 0, which can happen by chance with very few samples.
//
// The first two overloads differ only by VectorXd vs MatrixXd: pass those exact types (an Eigen
// expression converts to both and the call is ambiguous).

#include <Eigen/Core>

namespace neuropop::kernels {

double participation_ratio(const Eigen::VectorXd& eigenvalues); // (Σλ)² / Σλ²
double participation_ratio(const Eigen::MatrixXd& cov);         // tr(C)² / tr(C²)
double participation_ratio_split_half(const Eigen::MatrixXd& cov, const Eigen::MatrixXd& cov_a,
                                      const Eigen::MatrixXd& cov_b); // tr(C)² / tr(C_A C_B)

// The split-half estimate from the samples themselves (rows = samples, each set centred on its
// own mean; a and b disjoint): tr(C) = ‖X_c‖²_F / (n − 1) and
// tr(C_A C_B) = ‖X_A X_Bᵀ‖²_F / ((n_A − 1)(n_B − 1)). Equal to the covariance form within
// rounding, in O(n_A n_B p) instead of three features × features covariances (O(n p²) time,
// O(p²) memory): the form for wide sample matrices (kernels/pca.hpp, pca_uses_svd). NaN when a
// set has fewer than 2 samples, like the covariance form's callers.
double participation_ratio_split_half_samples(const Eigen::Ref<const Eigen::MatrixXd>& x,
                                              const Eigen::Ref<const Eigen::MatrixXd>& a,
                                              const Eigen::Ref<const Eigen::MatrixXd>& b);

} // namespace neuropop::kernels
