#include "kernels/standardize.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace neuropop::kernels {

Standardizer Standardizer::fit(const Eigen::Ref<const Eigen::MatrixXd>& samples) {
    const Eigen::Index n = samples.rows(), p = samples.cols();
    if (n < 1) throw std::invalid_argument("Standardizer::fit needs at least one sample");
    const double dn = static_cast<double>(n);
    constexpr double eps = std::numeric_limits<double>::epsilon();
    Standardizer s;
    s.mean.resize(p);
    s.scale.resize(p);
    for (Eigen::Index j = 0; j < p; ++j) {
        const auto col = samples.col(j);
        const double mean = col.sum() / dn;
        // sklearn's _incremental_mean_and_var on one batch: the two-pass sum of squares with
        // the first-order correction (Σ t)² / n, which removes the rounding error of the mean.
        const auto t = (col.array() - mean);
        const double correction = t.sum();
        const double var = ((t * t).sum() - correction * correction / dn) / dn;
        // sklearn's _is_constant_feature: the variance is below the rounding error bound of the
        // two-pass algorithm (Chan, Golub & LeVeque), so the feature counts as constant.
        const double bound = dn * eps * var + (dn * mean * eps) * (dn * mean * eps);
        s.mean[j] = mean;
        s.scale[j] = var <= bound ? 1.0 : std::sqrt(var);
    }
    return s;
}

Eigen::MatrixXd Standardizer::transform(const Eigen::Ref<const Eigen::MatrixXd>& samples) const {
    Eigen::MatrixXd out = samples;
    transform_in_place(out);
    return out;
}

void Standardizer::transform_in_place(Eigen::Ref<Eigen::MatrixXd> samples) const {
    if (samples.cols() != mean.size())
        throw std::invalid_argument("Standardizer: feature count differs from the fitted one");
    for (Eigen::Index j = 0; j < samples.cols(); ++j)
        samples.col(j) = (samples.col(j).array() - mean[j]) / scale[j];
}

} // namespace neuropop::kernels
