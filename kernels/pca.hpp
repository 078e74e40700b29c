#pragma once
// Principal component analysis from a covariance (docs/ANALYSES.md §2). The reference is
// sklearn.decomposition.PCA(svd_solver='full'); the eigen-decomposition is Eigen's
// SelfAdjointEigenSolver (tridiagonalisation + implicit QR), deterministic for a given input.
//
// Sign convention: each component is flipped so that its largest-|loading| entry is positive
// (the first such entry on a tie). This is sklearn's svd_flip applied to the components
// (u_based_decision=False, the default of PCA since scikit-learn 1.5); scikit-learn 1.2 decides
// on the scores instead, so its signs can differ — compare subspaces, or flip them the same way.

#include <cstddef>

#include <Eigen/Core>

#include "kernels/moments.hpp"

namespace neuropop::kernels {

struct PcaResult {
    Eigen::VectorXd eigenvalues;     // all, descending; rounding below zero is clamped to 0
    Eigen::VectorXd explained_ratio; // eigenvalues / sum (all 0 when the covariance is 0)
    Eigen::MatrixXd components;      // features × k, column j = j-th axis, unit length
    Eigen::VectorXd mean;
};

// k is clipped to the number of features. Throws std::invalid_argument for count < 2.
PcaResult pca(const Moments& m, std::size_t k);

// `cov` must be square and symmetric (only its lower triangle is read); `mean` has as many
// entries as `cov` has rows (it is only carried into the result, for project()).
PcaResult pca_from_covariance(const Eigen::MatrixXd& cov, const Eigen::VectorXd& mean,
                              std::size_t k);

// PCA of a sample matrix (rows = samples, cols = features). With more samples than features, or
// more components asked for than the centred samples' rank (at most n − 1) holds, this is
// pca(Moments::of(samples), k). Otherwise — a wide matrix, e.g. the condition-mean PSTHs of a
// pseudo-population pooled from thousands of units — it takes the thin SVD of the samples centred
// on their column means, X_c = U S Vᵀ: eigenvalues S² / (n − 1) padded with zeros to the features,
// components V's first k columns (sign-flipped as above). The same PCA within rounding (the SVD
// does not square the condition number, so it is the more accurate of the two), in O(n² p) time
// and O(n p) memory instead of O(p³) and O(p²): a 64 × 3 600 window takes milliseconds instead of
// ~100 s. Which route runs depends only on the shape, so the bits do not depend on where it runs.
// Throws std::invalid_argument for fewer than 2 samples.
PcaResult pca_of_samples(const Eigen::Ref<const Eigen::MatrixXd>& samples, std::size_t k);

// True when pca_of_samples takes the SVD route for this shape (n ≤ p and k ≤ n − 1).
bool pca_uses_svd(Eigen::Index samples, Eigen::Index features, std::size_t k);

// Scores of `samples` (rows = samples) on the components: (samples − mean) · components.
Eigen::MatrixXd project(const PcaResult& p, const Eigen::Ref<const Eigen::MatrixXd>& samples);

// Flips each column of `axes` so that its largest-|entry| is positive (first on a tie).
void flip_signs(Eigen::MatrixXd& axes);

} // namespace neuropop::kernels
