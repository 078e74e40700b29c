#include "kernels/crossnobis.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Cholesky>

#include "kernels/ledoit_wolf.hpp"

namespace neuropop::kernels {

namespace {

using Index = Eigen::Index;

// Means of the trials of each condition whose fold is (inside) or is not (outside) f.
Eigen::MatrixXd condition_means(const Eigen::Ref<const Eigen::MatrixXd>& trials,
                                std::span<const int> labels, std::span<const int> folds, int k,
                                int f, bool inside) {
    Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(k, trials.cols());
    std::vector<double> counts(static_cast<std::size_t>(k), 0.0);
    for (std::size_t t = 0; t < labels.size(); ++t) {
        if ((folds[t] == f) != inside) continue;
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

// Residuals of the training trials of fold f (those outside it) about their condition's
// training mean, a row of `train_means`.
Eigen::MatrixXd training_residuals(const Eigen::Ref<const Eigen::MatrixXd>& trials,
                                   std::span<const int> labels, std::span<const int> folds, int f,
                                   const Eigen::MatrixXd& train_means) {
    const auto n_train = static_cast<Index>(
        std::count_if(folds.begin(), folds.end(), [f](int g) { return g != f; }));
    Eigen::MatrixXd e(n_train, trials.cols());
    Index r = 0;
    for (std::size_t t = 0; t < labels.size(); ++t)
        if (folds[t] != f)
            e.row(r++) = trials.row(static_cast<Index>(t)) - train_means.row(labels[t]);
    return e;
}

// The shrunk noise precision of one fold's training residuals, applied as A Λ Bᵀ through
// whichever route fits the shape.
class Precision {
public:
    explicit Precision(Eigen::MatrixXd residuals) {
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
        // Centred in place: the residuals exist once.
        residuals_ = std::move(residuals);
        residuals_.rowwise() -= residuals_.colwise().mean().eval();
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
        if (residuals_.size() == 0) return a * direct_.solve(b.transpose());
        const Eigen::MatrixXd ae = a * residuals_.transpose(); // K × P
        const Eigen::MatrixXd eb = residuals_ * b.transpose(); // P × K
        return (a * b.transpose()) / alpha_ - (c_ / (alpha_ * alpha_)) * ae * woodbury_.solve(eb);
    }

    double shrinkage() const { return shrinkage_; }

private:
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

    CrossnobisResult out;
    out.rdm = Eigen::MatrixXd::Zero(k, k);
    for (int f = 0; f < n_folds; ++f) {
        const Eigen::MatrixXd a = condition_means(trials, labels, folds, k, f, false);
        const Eigen::MatrixXd b = condition_means(trials, labels, folds, k, f, true);
        Eigen::MatrixXd m;
        if (noise == CrossnobisNoise::identity) {
            m = a * b.transpose();
        } else {
            Eigen::MatrixXd e = training_residuals(trials, labels, folds, f, a);
            const auto p_train = static_cast<double>(e.rows());
            if (e.rows() <= k)
                throw std::invalid_argument("crossnobis: fold " + std::to_string(f) +
                                            " leaves no more training trials than conditions");
            const Precision precision(std::move(e));
            out.shrinkage += precision.shrinkage();
            // The training residuals have P_train − K degrees of freedom: Σ̂ · P_train /
            // (P_train − K), i.e. Λ · (P_train − K) / P_train (δ is scale-free, so unchanged).
            m = precision.between(a, b) * ((p_train - static_cast<double>(k)) / p_train);
        }
        for (int i = 0; i < k; ++i)
            for (int j = i + 1; j < k; ++j)
                out.rdm(i, j) += m(i, i) + m(j, j) - m(i, j) - m(j, i);
    }
    out.rdm.triangularView<Eigen::StrictlyLower>() = out.rdm.transpose(); // exactly symmetric
    out.rdm /= static_cast<double>(n_folds) * static_cast<double>(trials.cols());
    out.shrinkage /= static_cast<double>(n_folds);
    return out;
}

} // namespace neuropop::kernels
