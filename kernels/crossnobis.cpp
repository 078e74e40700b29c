#include "kernels/crossnobis.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Cholesky>

#include "kernels/ledoit_wolf.hpp"

namespace neuropop::kernels {

namespace {

using Index = Eigen::Index;

// Means of the trials of each condition, restricted to trials whose fold is (or is not) f.
// f < 0 takes every trial.
Eigen::MatrixXd condition_means(const Eigen::Ref<const Eigen::MatrixXd>& trials,
                                std::span<const int> labels, std::span<const int> folds, int k,
                                int f, bool inside) {
    Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(k, trials.cols());
    std::vector<double> counts(static_cast<std::size_t>(k), 0.0);
    for (std::size_t t = 0; t < labels.size(); ++t) {
        if (f >= 0 && ((folds[t] == f) != inside)) continue;
        sums.row(labels[t]) += trials.row(static_cast<Index>(t));
        counts[static_cast<std::size_t>(labels[t])] += 1.0;
    }
    for (int c = 0; c < k; ++c) {
        if (counts[static_cast<std::size_t>(c)] == 0.0)
            throw std::invalid_argument("crossnobis: condition " + std::to_string(c) +
                                        " has no trial " + (inside ? "in" : "outside") + " fold " +
                                        std::to_string(f));
        sums.row(c) /= counts[static_cast<std::size_t>(c)];
    }
    return sums;
}

// A Λ Bᵀ for every fold pair (A, B), through whichever route fits the shape.
class Precision {
public:
    Precision(const Eigen::MatrixXd& residuals, CrossnobisNoise noise) {
        if (noise == CrossnobisNoise::identity) return;
        identity_ = false;
        const Index p = residuals.rows(), n = residuals.cols();
        if (n <= p) {
            const ShrunkCovariance lw = ledoit_wolf(residuals);
            shrinkage_ = lw.shrinkage;
            direct_.compute(lw.covariance);
            if (direct_.info() != Eigen::Success)
                throw std::invalid_argument("crossnobis: noise covariance is singular");
            return;
        }
        // Gram route; the residuals' column means are zero up to rounding, but centre as
        // scikit-learn does so that δ matches ledoit_wolf() exactly in exact arithmetic.
        residuals_ = residuals.rowwise() - residuals.colwise().mean();
        Eigen::MatrixXd g = residuals_ * residuals_.transpose();
        const double dp = static_cast<double>(p), dn = static_cast<double>(n);
        const double mu = g.trace() / (dp * dn);
        const double s_norm2 = g.squaredNorm() / (dp * dp);
        const double beta_sum = g.diagonal().squaredNorm();
        double beta = (beta_sum / dp - s_norm2) / (dn * dp);
        const double delta = (s_norm2 - 2.0 * mu * mu * dn + dn * mu * mu) / dn;
        beta = std::min(beta, delta);
        shrinkage_ = beta == 0.0 ? 0.0 : beta / delta;
        alpha_ = shrinkage_ * mu;
        if (!(alpha_ > 0.0))
            throw std::invalid_argument(
                "crossnobis: noise covariance is singular (more units than trials, no shrinkage)");
        c_ = (1.0 - shrinkage_) / dp;
        g *= c_ / alpha_;
        g.diagonal().array() += 1.0;
        woodbury_.compute(g);
    }

    Eigen::MatrixXd between(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) const {
        if (identity_) return a * b.transpose();
        if (residuals_.size() == 0) return a * direct_.solve(b.transpose());
        const Eigen::MatrixXd ae = a * residuals_.transpose(); // K × P
        const Eigen::MatrixXd eb = residuals_ * b.transpose(); // P × K
        return (a * b.transpose()) / alpha_ - (c_ / (alpha_ * alpha_)) * ae * woodbury_.solve(eb);
    }

    double shrinkage() const { return shrinkage_; }

private:
    bool identity_ = true;
    double shrinkage_ = 0.0, alpha_ = 0.0, c_ = 0.0;
    Eigen::LLT<Eigen::MatrixXd> direct_;
    Eigen::MatrixXd residuals_;
    Eigen::LLT<Eigen::MatrixXd> woodbury_;
};

} // namespace

CrossnobisResult crossnobis_rdm(const Eigen::Ref<const Eigen::MatrixXd>& trials,
                                std::span<const int> labels, std::span<const int> folds,
                                CrossnobisNoise noise) {
    const auto p = static_cast<std::size_t>(trials.rows());
    if (labels.size() != p || folds.size() != p || p == 0 || trials.cols() < 1)
        throw std::invalid_argument("crossnobis: trials, labels and folds must match in length");
    if (*std::min_element(labels.begin(), labels.end()) < 0 ||
        *std::min_element(folds.begin(), folds.end()) < 0)
        throw std::invalid_argument("crossnobis: labels and folds must be non-negative");
    const int k = *std::max_element(labels.begin(), labels.end()) + 1;
    const int n_folds = *std::max_element(folds.begin(), folds.end()) + 1;
    if (n_folds < 2) throw std::invalid_argument("crossnobis: needs at least two folds");

    const Eigen::MatrixXd means = condition_means(trials, labels, folds, k, -1, true);
    Eigen::MatrixXd residuals = trials;
    for (std::size_t t = 0; t < p; ++t)
        residuals.row(static_cast<Index>(t)) -= means.row(labels[t]);
    if (noise == CrossnobisNoise::ledoit_wolf && p <= static_cast<std::size_t>(k))
        throw std::invalid_argument("crossnobis: needs more trials than conditions");
    const Precision precision(residuals, noise);
    residuals.resize(0, 0); // Precision keeps its own centred copy when it needs one

    CrossnobisResult out;
    out.shrinkage = precision.shrinkage();
    out.rdm = Eigen::MatrixXd::Zero(k, k);
    for (int f = 0; f < n_folds; ++f) {
        const Eigen::MatrixXd a = condition_means(trials, labels, folds, k, f, false);
        const Eigen::MatrixXd b = condition_means(trials, labels, folds, k, f, true);
        const Eigen::MatrixXd m = precision.between(a, b);
        for (int i = 0; i < k; ++i)
            for (int j = i + 1; j < k; ++j)
                out.rdm(i, j) += m(i, i) + m(j, j) - m(i, j) - m(j, i);
    }
    out.rdm.triangularView<Eigen::StrictlyLower>() = out.rdm.transpose(); // exactly symmetric
    out.rdm /= static_cast<double>(n_folds) * static_cast<double>(trials.cols());
    // Residuals have P − K degrees of freedom: Σ̂ · P / (P − K) (δ is scale-free, so unchanged).
    if (noise == CrossnobisNoise::ledoit_wolf)
        out.rdm *= static_cast<double>(p - static_cast<std::size_t>(k)) / static_cast<double>(p);
    return out;
}

} // namespace neuropop::kernels
