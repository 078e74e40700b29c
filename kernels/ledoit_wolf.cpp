#include "kernels/ledoit_wolf.hpp"

#include <algorithm>
#include <stdexcept>

namespace neuropop::kernels {

LedoitWolfShrinkage ledoit_wolf_shrinkage(double trace, double frobenius2, double fourth, double n,
                                          double p) {
    LedoitWolfShrinkage out;
    out.mu = trace / p;
    if (p == 1.0) return out; // shrinkage changes nothing for a single feature
    const double mu = out.mu;
    double beta = (fourth / n - frobenius2) / (p * n);
    const double delta = (frobenius2 - 2.0 * mu * trace + p * mu * mu) / p;
    beta = std::min(beta, delta); // never shrink past the target
    out.shrinkage = beta == 0.0 ? 0.0 : beta / delta;
    return out;
}

ShrunkCovariance ledoit_wolf(const Eigen::Ref<const Eigen::MatrixXd>& samples) {
    const Eigen::Index n = samples.rows(), p = samples.cols();
    if (n < 1 || p < 1)
        throw std::invalid_argument("ledoit_wolf needs at least one sample and feature");
    const double dn = static_cast<double>(n), dp = static_cast<double>(p);
    const Eigen::MatrixXd centred = samples.rowwise() - samples.colwise().mean();
    ShrunkCovariance out;
    out.covariance.noalias() = centred.transpose() * centred;
    out.covariance /= dn;
    if (p == 1) return out; // one feature: scikit-learn returns the variance and shrinkage 0

    // Σ over (i, j) of (X²ᵀX²)_ij = Σ over samples of (row sum of squares)².
    const double beta_sum = centred.rowwise().squaredNorm().squaredNorm();
    const LedoitWolfShrinkage lw = ledoit_wolf_shrinkage(
        out.covariance.trace(), out.covariance.squaredNorm(), beta_sum, dn, dp);
    const double mu = lw.mu;
    out.shrinkage = lw.shrinkage;
    out.covariance *= 1.0 - out.shrinkage;
    out.covariance.diagonal().array() += out.shrinkage * mu;
    return out;
}

} // namespace neuropop::kernels
