#include "kernels/ridge.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace neuropop::kernels {

using Eigen::MatrixXd;
using Eigen::VectorXd;

Eigen::VectorXd RidgeModel::predict(const Eigen::Ref<const MatrixXd>& samples) const {
    if (samples.cols() != coef.size())
        throw std::invalid_argument("RidgeModel: feature count differs from the fitted one");
    VectorXd out = samples * coef;
    out.array() += intercept;
    return out;
}

RidgeSolver::RidgeSolver(const Eigen::Ref<const MatrixXd>& samples, double alpha) {
    if (samples.rows() < 1) throw std::invalid_argument("fit_ridge: no samples");
    if (!(alpha >= 0) || !std::isfinite(alpha))
        throw std::invalid_argument("fit_ridge: alpha must be finite and >= 0");
    x_mean_ = samples.colwise().mean();
    xc_ = samples.rowwise() - x_mean_;
    MatrixXd gram = xc_.transpose() * xc_;
    gram.diagonal().array() += alpha;
    llt_.compute(gram);
    // α = 0: ordinary least squares, minimum norm when Xc is rank deficient
    if (!(alpha > 0 && llt_.info() == Eigen::Success)) cod_.emplace(xc_);
}

RidgeModel RidgeSolver::solve(std::span<const double> targets) const {
    if (static_cast<Eigen::Index>(targets.size()) != xc_.rows())
        throw std::invalid_argument("fit_ridge: " + std::to_string(targets.size()) +
                                    " targets for " + std::to_string(xc_.rows()) + " samples");
    const Eigen::Map<const VectorXd> y(targets.data(), static_cast<Eigen::Index>(targets.size()));
    const double y_mean = y.mean();
    const VectorXd yc = y.array() - y_mean;
    RidgeModel model;
    if (cod_)
        model.coef = cod_->solve(yc);
    else
        model.coef = llt_.solve(VectorXd(xc_.transpose() * yc));
    model.intercept = y_mean - x_mean_.dot(model.coef);
    return model;
}

RidgeModel fit_ridge(const Eigen::Ref<const MatrixXd>& samples, std::span<const double> targets,
                     double alpha) {
    if (static_cast<Eigen::Index>(targets.size()) != samples.rows() || samples.rows() < 1)
        throw std::invalid_argument("fit_ridge: " + std::to_string(targets.size()) +
                                    " targets for " + std::to_string(samples.rows()) + " samples");
    return RidgeSolver(samples, alpha).solve(targets);
}

double r2_score(std::span<const double> truth, std::span<const double> predicted) {
    if (truth.size() != predicted.size() || truth.empty())
        throw std::invalid_argument("r2_score: sizes differ or are empty");
    double mean = 0.0;
    for (double v : truth)
        mean += v;
    mean /= static_cast<double>(truth.size());
    double ss_res = 0.0, ss_tot = 0.0;
    for (std::size_t i = 0; i < truth.size(); ++i) {
        ss_res += (truth[i] - predicted[i]) * (truth[i] - predicted[i]);
        ss_tot += (truth[i] - mean) * (truth[i] - mean);
    }
    if (ss_tot == 0.0) return ss_res == 0.0 ? 1.0 : 0.0;
    return 1.0 - ss_res / ss_tot;
}

} // namespace neuropop::kernels
