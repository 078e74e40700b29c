#include "kernels/logistic.hpp"
#include "kernels/small_product.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

namespace neuropop::kernels {

namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

using detail::simd_lanes;
using detail::small_product_for;
using detail::SmallProduct;

// Objective and gradient over θ = [W (features × classes, column-major), b (classes)].
class MultinomialObjective {
public:
    MultinomialObjective(const Eigen::Ref<const MatrixXd>& x, std::span<const int> y, int k,
                         double c)
        : x_(x), y_(y), n_(x.cols()), k_(k), c_(c), z_(x.rows(), k), r_(x.rows(), k),
          zmax_(x.rows()), total_(x.rows()), product_(small_product_for(k)) {
        if (product_ != nullptr) {
            // Xᵀ with its rows padded to whole vectors (zeros), so Xᵀ·R has no single-row tail.
            const Index padded = (n_ + simd_lanes - 1) / simd_lanes * simd_lanes;
            xt_ = MatrixXd::Zero(padded, x.rows());
            xt_.topRows(n_) = x.transpose();
            gw_.resize(padded, k);
        }
    }

    Index size() const { return (n_ + 1) * k_; }

    double operator()(const VectorXd& theta, VectorXd& grad) {
        const Eigen::Map<const MatrixXd> w(theta.data(), n_, k_);
        const auto b = theta.tail(k_);
        if (product_ != nullptr)
            product_(x_.data(), x_.outerStride(), x_.rows(), n_, theta.data(), n_, z_.data(),
                     z_.rows());
        else
            z_.noalias() = x_ * w;
        // Softmax column by column (the layout is column-major) with the row max subtracted,
        // so exp never overflows; no temporaries, every buffer is reused.
        for (Index k = 0; k < k_; ++k) {
            z_.col(k).array() += b[k];
            if (k == 0)
                zmax_ = z_.col(0).array();
            else
                zmax_ = zmax_.max(z_.col(k).array());
        }
        total_.setZero();
        for (Index k = 0; k < k_; ++k) {
            r_.col(k).array() = (z_.col(k).array() - zmax_).exp();
            total_ += r_.col(k).array();
        }
        double loss = (zmax_ + total_.log()).sum();
        for (Index i = 0; i < z_.rows(); ++i)
            loss -= z_(i, y_[static_cast<std::size_t>(i)]);
        total_ = c_ / total_;
        for (Index k = 0; k < k_; ++k)
            r_.col(k).array() *= total_;
        for (Index i = 0; i < r_.rows(); ++i)
            r_(i, y_[static_cast<std::size_t>(i)]) -= c_;
        grad.resize(size());
        Eigen::Map<MatrixXd> gw(grad.data(), n_, k_);
        if (product_ != nullptr) {
            product_(xt_.data(), xt_.rows(), xt_.rows(), xt_.cols(), r_.data(), r_.rows(),
                     gw_.data(), gw_.rows());
            gw = gw_.topRows(n_);
        } else {
            gw.noalias() = x_.transpose() * r_;
        }
        gw += w;
        grad.tail(k_) = r_.colwise().sum().transpose();
        return c_ * loss + 0.5 * w.squaredNorm();
    }

private:
    const Eigen::Ref<const MatrixXd>& x_;
    std::span<const int> y_;
    Index n_;
    Index k_;
    double c_;
    MatrixXd z_, r_;
    Eigen::ArrayXd zmax_, total_;
    SmallProduct product_;
    MatrixXd xt_, gw_; // padded Xᵀ and Xᵀ·R, with the small-product kernel only
};

struct Correction {
    VectorXd s, y;
    double rho; // 1 / sᵀy
};

// L-BFGS two-loop recursion: d = −H ∇ with H₀ = γ I, γ = sᵀy / yᵀy of the newest pair.
void search_direction(const std::deque<Correction>& pairs, const VectorXd& grad, VectorXd& d,
                      std::vector<double>& alpha) {
    d = -grad;
    alpha.resize(pairs.size());
    for (std::size_t i = pairs.size(); i-- > 0;) {
        alpha[i] = pairs[i].rho * pairs[i].s.dot(d);
        d.noalias() -= alpha[i] * pairs[i].y;
    }
    if (!pairs.empty()) {
        const auto& last = pairs.back();
        d *= 1.0 / (last.rho * last.y.squaredNorm());
    }
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const double beta = pairs[i].rho * pairs[i].y.dot(d);
        d.noalias() += (alpha[i] - beta) * pairs[i].s;
    }
}

} // namespace

LogisticFit fit_logistic(const Eigen::Ref<const MatrixXd>& samples, std::span<const int> labels,
                         int n_classes, const LogisticOptions& options) {
    if (static_cast<Index>(labels.size()) != samples.rows())
        throw std::invalid_argument("fit_logistic: " + std::to_string(labels.size()) +
                                    " labels for " + std::to_string(samples.rows()) + " samples");
    if (!(options.C > 0) || !std::isfinite(options.C))
        throw std::invalid_argument("fit_logistic: C must be finite and > 0");
    if (!(options.tolerance > 0) || options.max_iterations < 1 || options.memory < 1)
        throw std::invalid_argument(
            "fit_logistic: tolerance, max_iterations and memory must be > 0");
    const auto counts = class_counts(labels, n_classes);
    for (std::size_t k = 0; k < counts.size(); ++k)
        if (counts[k] == 0)
            throw std::invalid_argument("fit_logistic: class " + std::to_string(k) +
                                        " has no training samples");
    if (!samples.allFinite()) throw std::invalid_argument("fit_logistic: non-finite sample value");

    const Index n = samples.cols(), k = n_classes;
    MultinomialObjective objective(samples, labels, n_classes, options.C);
    LogisticFit fit;
    VectorXd theta = VectorXd::Zero(objective.size()), grad, trial, trial_grad, d;
    double f = objective(theta, grad);
    fit.evaluations = 1;
    const double g0 = grad.lpNorm<Eigen::Infinity>();
    const double target = options.tolerance * g0;
    std::deque<Correction> pairs;
    std::vector<double> alpha;
    double gnorm = g0;
    while (gnorm > target && fit.iterations < options.max_iterations) {
        search_direction(pairs, grad, d, alpha);
        double slope = grad.dot(d);
        if (!(slope < 0)) { // lost descent through rounding: restart from steepest descent
            pairs.clear();
            d = -grad;
            slope = -grad.squaredNorm();
        }
        // First step: unit length along −∇ (the scale of H₀ is still unknown); later: α = 1.
        double step = pairs.empty() ? std::min(1.0, 1.0 / std::sqrt(-slope)) : 1.0;
        double f_trial = 0;
        bool accepted = false;
        for (int tries = 0; tries < 40; ++tries) {
            trial = theta + step * d;
            f_trial = objective(trial, trial_grad);
            ++fit.evaluations;
            // Armijo, or near the optimum where f no longer resolves the decrease (its rounding
            // error, ~1e-16 · Σ|terms|, exceeds it) the approximate Wolfe condition of Hager &
            // Zhang (2005): f has not risen beyond its noise and the slope at the trial point
            // shows the step did not overshoot the minimiser along d by more than ~2×.
            const double noise = 1e-10 * std::abs(f);
            if (f_trial <= f + 1e-4 * step * slope ||
                (f_trial <= f + noise && trial_grad.dot(d) <= -(1.0 - 2e-4) * slope)) {
                accepted = true;
                break;
            }
            // Minimiser of the quadratic through f, slope and f_trial, kept in [0.1, 0.5]·step.
            const double q = -slope * step * step / (2.0 * (f_trial - f - slope * step));
            step = std::clamp(std::isfinite(q) ? q : 0.5 * step, 0.1 * step, 0.5 * step);
        }
        if (!accepted) break; // no decrease representable in double: at the rounding floor
        ++fit.iterations;
        Correction c{trial - theta, trial_grad - grad, 0.0};
        const double sy = c.s.dot(c.y);
        theta.swap(trial);
        grad.swap(trial_grad);
        f = f_trial;
        gnorm = grad.lpNorm<Eigen::Infinity>();
        if (sy > 1e-300) { // strictly convex: sᵀy > 0 unless the step vanished
            c.rho = 1.0 / sy;
            pairs.push_back(std::move(c));
            if (static_cast<int>(pairs.size()) > options.memory) pairs.pop_front();
        }
    }
    fit.converged = gnorm <= target;
    fit.gradient_ratio = g0 > 0 ? gnorm / g0 : 0.0;

    fit.model.coef = Eigen::Map<const MatrixXd>(theta.data(), n, k).transpose();
    fit.model.intercept = theta.tail(k);
    // b + t·1 gives the same model for every t; report the Σ b = 0 representative.
    fit.model.intercept.array() -= fit.model.intercept.mean();
    return fit;
}

} // namespace neuropop::kernels
