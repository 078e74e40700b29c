#pragma once
// Representational dissimilarity matrices on condition means (docs/ANALYSES.md §4): rows of `means`
// are the K conditions' mean patterns over N units.

#include <Eigen/Core>

namespace neuropop::kernels {

// d_ij = ‖μ_i − μ_j‖² / N (squared distance per unit, so values do not grow with N).
Eigen::MatrixXd euclidean_rdm(const Eigen::Ref<const Eigen::MatrixXd>& means);

// d_ij = 1 − Pearson r(μ_i, μ_j) across units. A constant pattern has no correlation: its row
// and column are NaN (0 / 0), except the diagonal, which is 0 by definition.
Eigen::MatrixXd correlation_rdm(const Eigen::Ref<const Eigen::MatrixXd>& means);

} // namespace neuropop::kernels
