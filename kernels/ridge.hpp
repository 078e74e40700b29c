#pragma once
// Ridge regression for numeric targets (docs/ANALYSES.md §3 decoding of a continuous trials
// column), scikit-learn 1.2's Ridge(alpha, fit_intercept=True): minimise ‖y − Xw − b‖² + α‖w‖² with
// an unpenalised intercept, solved in closed form on centred data: w = (XcᵀXc + αI)⁻¹ Xcᵀ yc, b = ȳ
// − x̄ᵀw. Scored by R² = 1 − SS_res / SS_tot.

#include <optional>
#include <span>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/QR>

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

// fit_ridge split at the point where the targets enter: the constructor does everything that
// depends on the samples only (the column means, the centred samples, XcᵀXc + αI and its Cholesky
// factor, or the complete orthogonal decomposition of Xc for α = 0 or a failed factorisation), and
// solve() the rest for one target vector, with the same operations in the same order as
// fit_ridge — so solve(y) has the bits of fit_ridge(samples, y, alpha), and the permutations of a
// ridge null (shuffled targets, the same training rows) share one decomposition (exact algebra).
// Memory: the centred samples, features² doubles for the Gram matrix and its factor.
class RidgeSolver {
public:
    RidgeSolver(const Eigen::Ref<const Eigen::MatrixXd>& samples, double alpha);
    RidgeModel solve(std::span<const double> targets) const;

private:
    Eigen::RowVectorXd x_mean_;
    Eigen::MatrixXd xc_;
    Eigen::LLT<Eigen::MatrixXd> llt_;
    std::optional<Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd>> cod_;
};

// Coefficient of determination of `predicted` against `truth`, as sklearn.metrics.r2_score:
// 1 − Σ(y − ŷ)² / Σ(y − ȳ)²; a constant truth gives 1 when predicted exactly, else 0.
double r2_score(std::span<const double> truth, std::span<const double> predicted);

} // namespace neuropop::kernels
