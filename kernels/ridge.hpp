#pragma once
// Ridge regression for numeric targets (docs/ANALYSES.md §3 decoding of a continuous trials
// column), scikit-learn 1.2's Ridge(alpha, fit_intercept=True): minimise ‖y − Xw − b‖² + α‖w‖² with
// an unpenalised intercept, solved in closed form on centred data: w = (XcᵀXc + αI)⁻¹ Xcᵀ yc, b = ȳ
// − x̄ᵀw. Scored by R² = 1 − SS_res / SS_tot.

#include <span>

#include <Eigen/Core>

namespace neuropop::kernels {

struct RidgeModel {
    Eigen::VectorXd coef; // features
    double intercept = 0.0;
    Eigen::VectorXd predict(const Eigen::Ref<const Eigen::MatrixXd>& samples) const;
};

// Rows = samples (at least one), cols = features; alpha ≥ 0 (alpha = 0 with a singular XcᵀXc
// gives the minimum-norm least-squares solution). Throws std::invalid_argument otherwise.
RidgeModel fit_ridge(const Eigen::Ref<const Eigen::MatrixXd>& samples,
                     std::span<const double> targets, double alpha);

// Coefficient of determination of `predicted` against `truth`, as sklearn.metrics.r2_score:
// 1 − Σ(y − ŷ)² / Σ(y − ȳ)²; a constant truth gives 1 when predicted exactly, else 0.
double r2_score(std::span<const double> truth, std::span<const double> predicted);

} // namespace neuropop::kernels
