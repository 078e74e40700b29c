#pragma once
// Ledoit–Wolf shrinkage (Ledoit & Wolf 2004), exactly as scikit-learn 1.2's
// sklearn.covariance.ledoit_wolf(X, assume_centered=False): the data are centred on their
// column means, S = XcᵀXc / n (ddof 0), μ = tr(S) / p, and the shrunk estimate is
// (1 − δ) S + δ μ I with
//     β̂ = (Σ_i ‖x_i‖⁴ / n − ‖S‖²_F) / (p n),   d² = ‖S − μI‖²_F / p,   δ = min(β̂, d²) / d²
// (δ = 0 when β̂ = 0, and for a single feature, where shrinkage changes nothing).

#include <Eigen/Core>

namespace neuropop::kernels {

struct ShrunkCovariance {
    Eigen::MatrixXd covariance; // features × features
    double shrinkage = 0.0;     // δ in [0, 1]
};

// Rows = samples (at least one), cols = features (at least one).
ShrunkCovariance ledoit_wolf(const Eigen::Ref<const Eigen::MatrixXd>& samples);

} // namespace neuropop::kernels
