#include "kernels/lda.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/QR>

#include "kernels/ledoit_wolf.hpp"
#include "kernels/standardize.hpp"

namespace neuropop::kernels {

using Eigen::Index;
using Eigen::MatrixXd;

LdaFit fit_lda(const Eigen::Ref<const MatrixXd>& samples, std::span<const int> labels,
               int n_classes) {
    if (static_cast<Index>(labels.size()) != samples.rows())
        throw std::invalid_argument("fit_lda: " + std::to_string(labels.size()) + " labels for " +
                                    std::to_string(samples.rows()) + " samples");
    const auto counts = class_counts(labels, n_classes);
    for (std::size_t k = 0; k < counts.size(); ++k)
        if (counts[k] == 0)
            throw std::invalid_argument("fit_lda: class " + std::to_string(k) +
                                        " has no training samples");
    const Index p = samples.cols(), k_classes = n_classes;
    const double n = static_cast<double>(samples.rows());

    LdaFit fit;
    fit.priors.resize(k_classes);
    fit.means.resize(k_classes, p);
    fit.shrinkage.resize(k_classes);
    fit.covariance = MatrixXd::Zero(p, p);
    MatrixXd group;
    for (Index k = 0; k < k_classes; ++k) {
        const auto size = static_cast<Index>(counts[static_cast<std::size_t>(k)]);
        group.resize(size, p);
        for (Index i = 0, row = 0; i < samples.rows(); ++i)
            if (labels[static_cast<std::size_t>(i)] == k) group.row(row++) = samples.row(i);
        fit.priors[k] = static_cast<double>(size) / n;
        fit.means.row(k) = group.colwise().mean();
        const Standardizer scaler = Standardizer::fit(group);
        scaler.transform_in_place(group);
        ShrunkCovariance lw = ledoit_wolf(group);
        fit.shrinkage[k] = lw.shrinkage;
        const Eigen::ArrayXd sc = scaler.scale.transpose().array();
        lw.covariance.array().colwise() *= sc;
        lw.covariance.array().rowwise() *= sc.transpose();
        fit.covariance += fit.priors[k] * lw.covariance;
    }

    // Cholesky when Σ is positive definite (the usual case after shrinkage); otherwise the
    // minimum-norm least-squares solution of a complete orthogonal decomposition.
    MatrixXd solution;
    Eigen::LLT<MatrixXd> llt(fit.covariance);
    if (llt.info() == Eigen::Success && llt.rcond() > 1e-12) {
        solution = llt.solve(fit.means.transpose());
    } else {
        solution = fit.covariance.completeOrthogonalDecomposition().solve(fit.means.transpose());
    }
    fit.model.coef = solution.transpose();
    fit.model.intercept.resize(k_classes);
    for (Index k = 0; k < k_classes; ++k)
        fit.model.intercept[k] =
            -0.5 * fit.means.row(k).dot(fit.model.coef.row(k)) + std::log(fit.priors[k]);
    return fit;
}

} // namespace neuropop::kernels
