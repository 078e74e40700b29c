#include "kernels/ledoit_wolf.hpp"

#include <algorithm>
#include <stdexcept>

namespace neuropop::kernels {

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

    const double mu = out.covariance.trace() / dp;
    // Σ over (i, j) of (X²ᵀX²)_ij = Σ over samples of (row sum of squares)².
    const double beta_sum = centred.rowwise().squaredNorm().squaredNorm();
    const double delta_sum = out.covariance.squaredNorm(); // Σ (XᵀX)²_ij / n²
    double beta = (beta_sum / dn - delta_sum) / (dp * dn);
    const double delta = (delta_sum - 2.0 * mu * out.covariance.trace() + dp * mu * mu) / dp;
    beta = std::min(beta, delta); // never shrink past the target
    out.shrinkage = beta == 0.0 ? 0.0 : beta / delta;
    out.covariance *= 1.0 - out.shrinkage;
    out.covariance.diagonal().array() += out.shrinkage * mu;
    return out;
}

} // namespace neuropop::kernels
