#include "kernels/poisson_glm.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>

#include <Eigen/Cholesky>
#include <Eigen/QR>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "kernels/folds.hpp"
#include "kernels/parallel.hpp"
#include "kernels/raised_cosine.hpp"

namespace neuropop::kernels {

namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

// f(w, b), the linear predictor η it was computed from, and the sum of the absolute values of
// its terms (`scale`), the size of f's rounding error in units of ε.
double objective(const Eigen::Ref<const MatrixXd>& x, const Eigen::Ref<const VectorXd>& y,
                 const VectorXd& w, double b, double l2, VectorXd& eta, double& scale) {
    eta.noalias() = x * w;
    eta.array() += b;
    double f = 0;
    scale = 0;
    for (Index i = 0; i < eta.size(); ++i) {
        const double mu = std::exp(eta(i)), yeta = y(i) * eta(i);
        f += mu - yeta;
        scale += mu + std::abs(yeta);
    }
    const double penalty = 0.5 * l2 * w.squaredNorm();
    f += penalty;
    scale += penalty;
    return std::isnan(f) ? std::numeric_limits<double>::infinity() : f;
}

} // namespace

PoissonGlmFit fit_poisson_glm(const Eigen::Ref<const MatrixXd>& design,
                              const Eigen::Ref<const VectorXd>& counts, double l2,
                              const NewtonOptions& options, const PoissonGlmFit* start) {
    const Index n = design.rows(), d = design.cols();
    if (counts.size() != n || n < 1)
        throw std::invalid_argument("fit_poisson_glm: " + std::to_string(counts.size()) +
                                    " counts for " + std::to_string(n) + " rows");
    if (!(l2 >= 0) || !std::isfinite(l2))
        throw std::invalid_argument("fit_poisson_glm: l2 must be finite and ≥ 0");
    if ((counts.array() < 0).any() || !counts.allFinite())
        throw std::invalid_argument("fit_poisson_glm: counts must be finite and ≥ 0");
    const double total = counts.sum();
    if (!(total > 0))
        throw std::invalid_argument("fit_poisson_glm: no spikes (the intercept would be −∞)");

    PoissonGlmFit fit;
    if (start && start->weights.size() == d) {
        fit.weights = start->weights;
        fit.intercept = start->intercept;
    } else {
        fit.weights = VectorXd::Zero(d);
        fit.intercept = std::log(total / static_cast<double>(n));
    }
    VectorXd eta(n), trial_eta(n), mu(n), gradient(d + 1), step(d + 1);
    MatrixXd weighted(n, d), hessian(d + 1, d + 1);
    double scale = 0, trial_scale = 0;
    double f = objective(design, counts, fit.weights, fit.intercept, l2, eta, scale);
    for (int it = 0; it < options.max_iterations; ++it) {
        mu = eta.array().exp();
        const VectorXd residual = mu - counts;
        gradient.head(d).noalias() = design.transpose() * residual;
        gradient.head(d) += l2 * fit.weights;
        gradient(d) = residual.sum();
        // Xᵀ M X by a symmetric rank update of √μ-weighted rows (half a general product).
        weighted = design.array().colwise() * mu.array().sqrt();
        hessian.setZero();
        hessian.topLeftCorner(d, d).selfadjointView<Eigen::Lower>().rankUpdate(
            weighted.transpose());
        hessian.topLeftCorner(d, d).diagonal().array() += l2;
        hessian.block(d, 0, 1, d).noalias() = (design.transpose() * mu).transpose();
        hessian(d, d) = mu.sum();
        Eigen::LLT<MatrixXd> llt(hessian.selfadjointView<Eigen::Lower>());
        if (llt.info() == Eigen::Success) {
            step = -llt.solve(gradient);
        } else {
            const MatrixXd full = hessian.selfadjointView<Eigen::Lower>();
            step = -full.completeOrthogonalDecomposition().solve(gradient);
        }
        const double predicted = -gradient.dot(step) / 2.0;
        fit.iterations = it + 1;
        if (!(predicted > 0)) { // the gradient is zero to rounding
            fit.converged = true;
            break;
        }
        // Near the optimum the decrease falls below f's rounding error; there the quadratic
        // model is exact, so the full step is taken unless f grows beyond that error.
        const double noise = 16.0 * std::numeric_limits<double>::epsilon() * scale;
        double t = 1.0, trial_f = f;
        bool accepted = false;
        for (int halving = 0; halving < 60; ++halving, t /= 2.0) {
            const VectorXd w = fit.weights + t * step.head(d);
            const double b = fit.intercept + t * step(d);
            trial_f = objective(design, counts, w, b, l2, trial_eta, trial_scale);
            if (trial_f < f || (halving == 0 && predicted <= noise && trial_f <= f + noise)) {
                fit.weights = w;
                fit.intercept = b;
                accepted = true;
                break;
            }
        }
        if (!accepted) { // no representable decrease along the Newton direction
            fit.converged = predicted <= 1e3 * options.tolerance * scale;
            break;
        }
        f = trial_f;
        scale = trial_scale;
        eta.swap(trial_eta);
        if (predicted <= options.tolerance * scale) {
            fit.converged = true;
            break;
        }
    }
    fit.objective = f;
    return fit;
}

double poisson_log_likelihood(const Eigen::Ref<const MatrixXd>& design,
                              const Eigen::Ref<const VectorXd>& counts, const PoissonGlmFit& fit) {
    if (design.cols() != fit.weights.size() || counts.size() != design.rows())
        throw std::invalid_argument("poisson_log_likelihood: shapes differ from the fit");
    VectorXd eta = design * fit.weights;
    eta.array() += fit.intercept;
    double ll = 0;
    for (Index i = 0; i < eta.size(); ++i)
        ll += counts(i) * eta(i) - std::exp(eta(i)) - std::lgamma(counts(i) + 1.0);
    return ll;
}

namespace {

MatrixXd rows_of(const MatrixXd& m, const std::vector<Index>& rows) {
    MatrixXd out(static_cast<Index>(rows.size()), m.cols());
    for (std::size_t i = 0; i < rows.size(); ++i)
        out.row(static_cast<Index>(i)) = m.row(rows[i]);
    return out;
}

// The uncoupled model's design for unit u: the stimulus columns and the unit's own history
// block (the stimulus-only and coupled models use a left block of, or all, the full design).
MatrixXd own_history_design(const MatrixXd& full, Index stim_cols, Index nb, Index u) {
    MatrixXd out(full.rows(), stim_cols + nb);
    out.leftCols(stim_cols) = full.leftCols(stim_cols);
    out.rightCols(nb) = full.middleCols(stim_cols + u * nb, nb);
    return out;
}

} // namespace

CoupledGlmResult fit_coupled_glm(const Eigen::Ref<const MatrixXd>& counts,
                                 std::span<const int> conditions, std::span<const int> trial_folds,
                                 const CoupledGlmSpec& spec) {
    const Index bins = spec.trial_basis.rows();
    const auto n_trials = static_cast<Index>(conditions.size());
    const Index units = counts.cols(), nb = spec.history_basis.cols();
    if (bins < 1 || counts.rows() != n_trials * bins || units < 1 || nb < 1 ||
        spec.history_basis.rows() < 1)
        throw std::invalid_argument("fit_coupled_glm: counts need trials × " +
                                    std::to_string(bins) +
                                    " rows, at least one unit, and "
                                    "non-empty bases");
    if (static_cast<Index>(trial_folds.size()) != n_trials)
        throw std::invalid_argument("fit_coupled_glm: one fold id per trial");
    if (spec.l2.empty()) throw std::invalid_argument("fit_coupled_glm: empty λ grid");
    std::vector<double> grid = spec.l2;
    std::sort(grid.begin(), grid.end(), std::greater<>());
    for (double l : grid)
        if (!(l >= 0) || !std::isfinite(l))
            throw std::invalid_argument("fit_coupled_glm: λ must be finite and ≥ 0");
    int k = 0;
    for (int f : trial_folds) {
        if (f < 0) throw std::invalid_argument("fit_coupled_glm: negative fold id");
        k = std::max(k, f + 1);
    }
    if (k < 2) throw std::invalid_argument("fit_coupled_glm: need at least 2 folds");

    const MatrixXd stim = stimulus_design(conditions, spec.n_conditions, spec.trial_basis);
    const MatrixXd hist = history_design(counts, spec.history_basis, static_cast<int>(bins));
    const Index stim_cols = stim.cols();
    MatrixXd full(counts.rows(), stim_cols + hist.cols());
    full << stim, hist;

    const auto n_grid = static_cast<Index>(grid.size());
    constexpr int models = 3;
    std::vector<MatrixXd> curves(models, MatrixXd::Zero(units, n_grid));
    for (int f = 0; f < k; ++f) {
        std::vector<Index> train, test;
        for (Index t = 0; t < n_trials; ++t)
            for (Index b = 0; b < bins; ++b)
                (trial_folds[static_cast<std::size_t>(t)] == f ? test : train)
                    .push_back(t * bins + b);
        if (test.empty() || train.empty())
            throw std::invalid_argument("fit_coupled_glm: fold " + std::to_string(f) +
                                        " is empty or holds every trial");
        const MatrixXd x_train = rows_of(full, train), x_test = rows_of(full, test);
        for_each_task(static_cast<std::size_t>(units), [&](std::size_t us) {
            const auto u = static_cast<Index>(us);
            VectorXd y_train(static_cast<Index>(train.size())),
                y_test(static_cast<Index>(test.size()));
            for (std::size_t i = 0; i < train.size(); ++i)
                y_train(static_cast<Index>(i)) = counts(train[i], u);
            for (std::size_t i = 0; i < test.size(); ++i)
                y_test(static_cast<Index>(i)) = counts(test[i], u);
            if (!(y_train.sum() > 0))
                throw std::invalid_argument("fit_coupled_glm: unit " + std::to_string(u) +
                                            " has no spikes outside fold " + std::to_string(f));
            for (int m = 0; m < models; ++m) {
                MatrixXd own_train, own_test;
                if (m == 1) {
                    own_train = own_history_design(x_train, stim_cols, nb, u);
                    own_test = own_history_design(x_test, stim_cols, nb, u);
                }
                const auto pick = [&](const MatrixXd& x,
                                      const MatrixXd& own) -> Eigen::Ref<const MatrixXd> {
                    if (m == 0) return x.leftCols(stim_cols);
                    return m == 1 ? own : x;
                };
                const Eigen::Ref<const MatrixXd> xm_train = pick(x_train, own_train);
                const Eigen::Ref<const MatrixXd> xm_test = pick(x_test, own_test);
                PoissonGlmFit previous;
                for (Index g = 0; g < n_grid; ++g) {
                    previous = fit_poisson_glm(xm_train, y_train, grid[static_cast<std::size_t>(g)],
                                               spec.newton, g > 0 ? &previous : nullptr);
                    // Each task owns row u of every curve; folds add in a fixed order.
                    curves[static_cast<std::size_t>(m)](u, g) +=
                        poisson_log_likelihood(xm_test, y_test, previous);
                }
            }
        });
    }

    CoupledGlmResult out;
    out.units = static_cast<int>(units);
    out.n_basis = static_cast<int>(nb);
    out.lags = static_cast<int>(spec.history_basis.rows());
    out.coupling_weights.resize(units * units, nb);
    out.stimulus_weights.resize(units, stim_cols);
    out.intercepts.resize(units);
    out.spikes = counts.colwise().sum().transpose();
    out.cv_log_likelihood.resize(units, models);
    out.chosen_l2.resize(units, models);
    for_each_task(static_cast<std::size_t>(units), [&](std::size_t us) {
        const auto u = static_cast<Index>(us);
        for (int m = 0; m < models; ++m) {
            Index best = 0;
            for (Index g = 1; g < n_grid; ++g)
                if (curves[static_cast<std::size_t>(m)](u, g) >
                    curves[static_cast<std::size_t>(m)](u, best))
                    best = g;
            out.cv_log_likelihood(u, m) = curves[static_cast<std::size_t>(m)](u, best);
            out.chosen_l2(u, m) = grid[static_cast<std::size_t>(best)];
        }
        const PoissonGlmFit fit =
            fit_poisson_glm(full, counts.col(u), out.chosen_l2(u, 2), spec.newton);
        out.stimulus_weights.row(u) = fit.weights.head(stim_cols).transpose();
        out.intercepts(u) = fit.intercept;
        for (Index s = 0; s < units; ++s)
            out.coupling_weights.row(u * units + s) =
                fit.weights.segment(stim_cols + s * nb, nb).transpose();
    });
    out.coupling_filters = out.coupling_weights * spec.history_basis.transpose();
    out.integrated.resize(units, units);
    for (Index t = 0; t < units; ++t)
        for (Index s = 0; s < units; ++s)
            out.integrated(t, s) = out.coupling_filters.row(t * units + s).sum();
    const double ln2 = std::numbers::ln2;
    out.gain_vs_stimulus =
        (out.cv_log_likelihood.col(2) - out.cv_log_likelihood.col(0)).cwiseQuotient(out.spikes) /
        ln2;
    out.gain_vs_uncoupled =
        (out.cv_log_likelihood.col(2) - out.cv_log_likelihood.col(1)).cwiseQuotient(out.spikes) /
        ln2;
    out.cv_curves = std::move(curves);
    return out;
}

} // namespace neuropop::kernels
