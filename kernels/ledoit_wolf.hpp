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

// The shrinkage target scale μ and δ from sufficient statistics of n centred samples of p
// features, for callers that never form the samples (kernels/crossnobis.cpp): trace = tr S,
// frobenius2 = ‖S‖²_F, fourth = Σ_i ‖x_i‖⁴. ledoit_wolf() uses the same function, so both give
// the same bits from the same statistics. p = 1 gives δ = 0.
struct LedoitWolfShrinkage {
    double mu = 0.0;        // tr S / p
    double shrinkage = 0.0; // δ
};
LedoitWolfShrinkage ledoit_wolf_shrinkage(double trace, double frobenius2, double fourth, double n,
                                          double p);

} // namespace neuropop::kernels
