#pragma once
// Linear discriminant analysis with Ledoit–Wolf shrinkage, matching scikit-learn 1.2's
// LinearDiscriminantAnalysis(solver='lsqr', shrinkage='auto') step by step (its _class_cov,
// _cov and _solve_lstsq):
// - priors = class frequencies in the training data; means = class means;
// - for EACH class separately, the class's samples are standardised with their own
//   StandardScaler (ddof 0, constant features keep scale 1), Ledoit–Wolf is applied to the
//   standardised samples, and the result is rescaled: Σ_k = diag(sc) LW diag(sc) — so the
//   shrinkage target is the class's correlation structure, not its covariance;
// - Σ = Σ_k prior_k Σ_k (each Σ_k with ddof 0);
// - coef = (Σ⁻¹ meansᵀ)ᵀ, the least-squares solution (Σ is positive definite whenever some
//   class has shrinkage > 0 or a full-rank covariance; otherwise the minimum-norm solution, as
//   LAPACK's gelsd gives); intercept_k = −½ mean_kᵀ coef_k + log prior_k.
// scikit-learn collapses two classes into one decision row; the two-row form here predicts the
// same class.

#include <span>

#include <Eigen/Core>

#include "kernels/linear_classifier.hpp"

namespace neuropop::kernels {

struct LdaFit {
    LinearClassifier model;
    Eigen::MatrixXd covariance; // features × features, the pooled shrunk Σ
    Eigen::MatrixXd means;      // classes × features
    Eigen::VectorXd priors;     // classes
    Eigen::VectorXd shrinkage;  // Ledoit–Wolf δ of each class
};

// Rows = samples, cols = features; labels in [0, n_classes), every class present (throws
// std::invalid_argument otherwise).
LdaFit fit_lda(const Eigen::Ref<const Eigen::MatrixXd>& samples, std::span<const int> labels,
               int n_classes);

} // namespace neuropop::kernels
