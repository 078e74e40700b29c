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

// The products of the Newton iterations with the design X (n × d): η = Xw + b, Xᵀr, and the
// lower triangle of the Hessian [XᵀMX, ·; (XᵀM1)ᵀ, Σμ] (without the penalty).
struct DenseDesign {
    const Eigen::Ref<const MatrixXd>& x;
    mutable MatrixXd weighted; // √μ-weighted rows
    Index rows() const { return x.rows(); }
    Index cols() const { return x.cols(); }
    void predictor(const VectorXd& w, double b, VectorXd& eta) const {
        eta.noalias() = x * w;
        eta.array() += b;
    }
    void transpose_times(const VectorXd& r, Eigen::Ref<VectorXd> out) const {
        out.noalias() = x.transpose() * r;
    }
    void hessian(const VectorXd& mu, MatrixXd& h) const {
        const Index d = x.cols();
        // Xᵀ M X by a symmetric rank update of √μ-weighted rows (half a general product).
        weighted = x.array().colwise() * mu.array().sqrt();
        h.setZero();
        h.topLeftCorner(d, d).selfadjointView<Eigen::Lower>().rankUpdate(weighted.transpose());
        h.block(d, 0, 1, d).noalias() = (x.transpose() * mu).transpose();
        h(d, d) = mu.sum();
    }
};

// The pooled stimulus design (PooledStimulus): row c · bins + b holds the trial basis row b in
// the columns of condition c, zeros elsewhere, so every product works on one condition's
// bins × basis block and the Hessian's stimulus part is block-diagonal: O(C · bins · B²) per
// Hessian instead of O(C · bins · (C · B)²).
struct StimulusDesign {
    const MatrixXd& basis; // bins × B
    Index conditions;
    mutable MatrixXd weighted;
    Index rows() const { return conditions * basis.rows(); }
    Index cols() const { return conditions * basis.cols(); }
    void predictor(const VectorXd& w, double b, VectorXd& eta) const {
        const Index bins = basis.rows(), nb = basis.cols();
        for (Index c = 0; c < conditions; ++c)
            eta.segment(c * bins, bins).noalias() = basis * w.segment(c * nb, nb);
        eta.array() += b;
    }
    void transpose_times(const VectorXd& r, Eigen::Ref<VectorXd> out) const {
        const Index bins = basis.rows(), nb = basis.cols();
        for (Index c = 0; c < conditions; ++c)
            out.segment(c * nb, nb).noalias() = basis.transpose() * r.segment(c * bins, bins);
    }
    void hessian(const VectorXd& mu, MatrixXd& h) const {
        const Index bins = basis.rows(), nb = basis.cols(), d = cols();
        h.setZero();
        for (Index c = 0; c < conditions; ++c) {
            const auto m = mu.segment(c * bins, bins);
            weighted = basis.array().colwise() * m.array().sqrt();
            h.block(c * nb, c * nb, nb, nb)
                .selfadjointView<Eigen::Lower>()
                .rankUpdate(weighted.transpose());
            h.block(d, c * nb, 1, nb).noalias() = (basis.transpose() * m).transpose();
        }
        h(d, d) = mu.sum();
    }
};

// f(w, b), the linear predictor η it was computed from, and the sum of the absolute values of
// its terms (`scale`), the size of f's rounding error in units of ε. `exposure` (null: every
// row 1) multiplies each row's rate: a pooled row stands for that many bins with one design
// row (fit_poisson_glm_pooled). Multiplying by an exposure of 1 is exact.
template <class Design>
double objective(const Design& x, const Eigen::Ref<const VectorXd>& y, const VectorXd* exposure,
                 const VectorXd& w, double b, double l2, VectorXd& eta, double& scale) {
    x.predictor(w, b, eta);
    double f = 0;
    scale = 0;
    for (Index i = 0; i < eta.size(); ++i) {
        const double mu = exposure ? (*exposure)(i)*std::exp(eta(i)) : std::exp(eta(i));
        const double yeta = y(i) * eta(i);
        f += mu - yeta;
        scale += mu + std::abs(yeta);
    }
    const double penalty = 0.5 * l2 * w.squaredNorm();
    f += penalty;
    scale += penalty;
    return std::isnan(f) ? std::numeric_limits<double>::infinity() : f;
}

// The Newton iterations of fit_poisson_glm (exposure null), fit_poisson_glm_pooled and
// fit_stimulus_glm.
template <class Design>
PoissonGlmFit newton(const Design& design, const Eigen::Ref<const VectorXd>& counts,
                     const VectorXd* exposure, double l2, const NewtonOptions& options,
                     const PoissonGlmFit* start) {
    const Index n = design.rows(), d = design.cols();
    if (counts.size() != n || n < 1)
        throw std::invalid_argument("fit_poisson_glm: " + std::to_string(counts.size()) +
                                    " counts for " + std::to_string(n) + " rows");
    if (!(l2 >= 0) || !std::isfinite(l2))
        throw std::invalid_argument("fit_poisson_glm: l2 must be finite and ≥ 0");
    if ((counts.array() < 0).any() || !counts.allFinite())
        throw std::invalid_argument("fit_poisson_glm: counts must be finite and ≥ 0");
    if (exposure && (exposure->size() != n || (exposure->array() < 0).any() ||
                     !exposure->allFinite() || !(exposure->sum() > 0)))
        throw std::invalid_argument("fit_poisson_glm_pooled: one finite exposure ≥ 0 per row, "
                                    "not all 0");
    const double total = counts.sum();
    if (!(total > 0))
        throw std::invalid_argument("fit_poisson_glm: no spikes (the intercept would be −∞)");
    const double bins = exposure ? exposure->sum() : static_cast<double>(n);

    PoissonGlmFit fit;
    if (start && start->weights.size() == d) {
        fit.weights = start->weights;
        fit.intercept = start->intercept;
    } else {
        fit.weights = VectorXd::Zero(d);
        fit.intercept = std::log(total / bins);
    }
    VectorXd eta(n), trial_eta(n), mu(n), residual(n), gradient(d + 1), step(d + 1), w(d);
    MatrixXd hessian(d + 1, d + 1);
    double scale = 0, trial_scale = 0;
    double f = objective(design, counts, exposure, fit.weights, fit.intercept, l2, eta, scale);
    for (int it = 0; it < options.max_iterations; ++it) {
        mu = eta.array().exp();
        if (exposure) mu.array() *= exposure->array();
        residual = mu - counts;
        design.transpose_times(residual, gradient.head(d));
        gradient.head(d) += l2 * fit.weights;
        gradient(d) = residual.sum();
        design.hessian(mu, hessian);
        hessian.topLeftCorner(d, d).diagonal().array() += l2;
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
            w = fit.weights + t * step.head(d);
            const double b = fit.intercept + t * step(d);
            trial_f = objective(design, counts, exposure, w, b, l2, trial_eta, trial_scale);
            if (trial_f < f || (halving == 0 && predicted <= noise && trial_f <= f + noise)) {
                fit.weights.swap(w);
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

} // namespace

PoissonGlmFit fit_poisson_glm(const Eigen::Ref<const MatrixXd>& design,
                              const Eigen::Ref<const VectorXd>& counts, double l2,
                              const NewtonOptions& options, const PoissonGlmFit* start) {
    return newton(DenseDesign{design, {}}, counts, nullptr, l2, options, start);
}

PoissonGlmFit fit_poisson_glm_pooled(const Eigen::Ref<const MatrixXd>& design,
                                     const Eigen::Ref<const VectorXd>& exposure,
                                     const Eigen::Ref<const VectorXd>& counts, double l2,
                                     const NewtonOptions& options, const PoissonGlmFit* start) {
    const VectorXd e = exposure;
    return newton(DenseDesign{design, {}}, counts, &e, l2, options, start);
}

PoissonGlmFit fit_stimulus_glm(const PooledStimulus& pooled,
                               const Eigen::Ref<const VectorXd>& counts, double l2,
                               const NewtonOptions& options, const PoissonGlmFit* start) {
    return newton(StimulusDesign{pooled.trial_basis, pooled.n_conditions, {}}, counts,
                  &pooled.exposure, l2, options, start);
}

PooledStimulus pool_stimulus(std::span<const int> conditions, int n_conditions,
                             const Eigen::Ref<const MatrixXd>& trial_basis,
                             std::span<const char> include) {
    if (!include.empty() && include.size() != conditions.size())
        throw std::invalid_argument("pool_stimulus: one include flag per trial");
    if (n_conditions < 1) throw std::invalid_argument("pool_stimulus: no conditions");
    const Index bins = trial_basis.rows();
    std::vector<int> each(static_cast<std::size_t>(n_conditions));
    for (int c = 0; c < n_conditions; ++c)
        each[static_cast<std::size_t>(c)] = c;
    PooledStimulus out;
    out.design = stimulus_design(each, n_conditions, trial_basis);
    out.bins = static_cast<int>(bins);
    out.n_conditions = n_conditions;
    out.trial_basis = trial_basis;
    out.exposure = VectorXd::Zero(n_conditions * bins);
    out.conditions.assign(conditions.begin(), conditions.end());
    out.include.assign(include.begin(), include.end());
    if (out.include.empty()) out.include.assign(conditions.size(), 1);
    for (std::size_t t = 0; t < conditions.size(); ++t) {
        const int c = conditions[t];
        if (c < 0 || c >= n_conditions)
            throw std::invalid_argument("pool_stimulus: condition " + std::to_string(c) +
                                        " outside [0, " + std::to_string(n_conditions) + ")");
        if (out.include[t]) out.exposure.segment(c * bins, bins).array() += 1.0;
    }
    return out;
}

VectorXd PooledStimulus::pool(const Eigen::Ref<const VectorXd>& counts) const {
    const auto b = static_cast<Index>(bins);
    if (counts.size() != static_cast<Index>(conditions.size()) * b)
        throw std::invalid_argument("PooledStimulus::pool: counts need trials × bins rows");
    VectorXd out = VectorXd::Zero(exposure.size());
    // Trials in their order: the sums, and so the fit, do not depend on how work is split.
    for (std::size_t t = 0; t < conditions.size(); ++t)
        if (include[t])
            out.segment(conditions[t] * b, b) += counts.segment(static_cast<Index>(t) * b, b);
    return out;
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
    // The fitted units (results row r is unit target_of[r]); every unit's history is a
    // covariate either way.
    std::vector<Index> target_of;
    if (spec.targets.empty())
        for (Index u = 0; u < units; ++u)
            target_of.push_back(u);
    for (int t : spec.targets) {
        if (t < 0 || t >= units ||
            std::find(target_of.begin(), target_of.end(), Index{t}) != target_of.end())
            throw std::invalid_argument("fit_coupled_glm: targets must be distinct units");
        target_of.push_back(t);
    }
    const auto n_targets = static_cast<Index>(target_of.size());

    const MatrixXd stim = stimulus_design(conditions, spec.n_conditions, spec.trial_basis);
    const MatrixXd hist = history_design(counts, spec.history_basis, static_cast<int>(bins));
    const Index stim_cols = stim.cols();
    MatrixXd full(counts.rows(), stim_cols + hist.cols());
    full << stim, hist;

    const auto n_grid = static_cast<Index>(grid.size());
    constexpr int models = 3;
    std::vector<MatrixXd> curves(models, MatrixXd::Zero(n_targets, n_grid));
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
        // The stimulus-only model on pooled (condition, bin) rows: the same objective, and
        // its test log-likelihood Σ_g [Y_g η_g − e_g exp(η_g)] − Σ_i log y_i! likewise.
        std::vector<char> in_train(static_cast<std::size_t>(n_trials)),
            in_test(static_cast<std::size_t>(n_trials));
        for (Index t = 0; t < n_trials; ++t) {
            const bool is_test = trial_folds[static_cast<std::size_t>(t)] == f;
            in_train[static_cast<std::size_t>(t)] = is_test ? 0 : 1;
            in_test[static_cast<std::size_t>(t)] = is_test ? 1 : 0;
        }
        const PooledStimulus pooled_train =
            pool_stimulus(conditions, spec.n_conditions, spec.trial_basis, in_train);
        const PooledStimulus pooled_test =
            pool_stimulus(conditions, spec.n_conditions, spec.trial_basis, in_test);
        for_each_task(static_cast<std::size_t>(n_targets), [&](std::size_t rs) {
            const auto r = static_cast<Index>(rs), u = target_of[rs];
            VectorXd y_train(static_cast<Index>(train.size())),
                y_test(static_cast<Index>(test.size()));
            for (std::size_t i = 0; i < train.size(); ++i)
                y_train(static_cast<Index>(i)) = counts(train[i], u);
            for (std::size_t i = 0; i < test.size(); ++i)
                y_test(static_cast<Index>(i)) = counts(test[i], u);
            if (!(y_train.sum() > 0))
                throw std::invalid_argument("fit_coupled_glm: unit " + std::to_string(u) +
                                            " has no spikes outside fold " + std::to_string(f));
            {
                const VectorXd pooled_y = pooled_train.pool(counts.col(u));
                const VectorXd pooled_test_y = pooled_test.pool(counts.col(u));
                double log_factorials = 0;
                for (Index i = 0; i < y_test.size(); ++i)
                    log_factorials += std::lgamma(y_test(i) + 1.0);
                PoissonGlmFit previous;
                for (Index g = 0; g < n_grid; ++g) {
                    previous =
                        fit_stimulus_glm(pooled_train, pooled_y, grid[static_cast<std::size_t>(g)],
                                         spec.newton, g > 0 ? &previous : nullptr);
                    VectorXd eta = pooled_test.design * previous.weights;
                    eta.array() += previous.intercept;
                    const double ll = pooled_test_y.dot(eta) -
                                      pooled_test.exposure.dot(eta.array().exp().matrix()) -
                                      log_factorials;
                    curves[0](r, g) += ll;
                }
            }
            for (int m = 1; m < models; ++m) {
                MatrixXd own_train, own_test;
                if (m == 1) {
                    own_train = own_history_design(x_train, stim_cols, nb, u);
                    own_test = own_history_design(x_test, stim_cols, nb, u);
                }
                const auto pick = [&](const MatrixXd& x,
                                      const MatrixXd& own) -> Eigen::Ref<const MatrixXd> {
                    return m == 1 ? own : x;
                };
                const Eigen::Ref<const MatrixXd> xm_train = pick(x_train, own_train);
                const Eigen::Ref<const MatrixXd> xm_test = pick(x_test, own_test);
                PoissonGlmFit previous;
                for (Index g = 0; g < n_grid; ++g) {
                    previous = fit_poisson_glm(xm_train, y_train, grid[static_cast<std::size_t>(g)],
                                               spec.newton, g > 0 ? &previous : nullptr);
                    // Each task owns row r of every curve; folds add in a fixed order.
                    curves[static_cast<std::size_t>(m)](r, g) +=
                        poisson_log_likelihood(xm_test, y_test, previous);
                }
            }
        });
    }

    CoupledGlmResult out;
    out.units = static_cast<int>(units);
    out.n_basis = static_cast<int>(nb);
    out.lags = static_cast<int>(spec.history_basis.rows());
    out.targets = static_cast<int>(n_targets);
    out.coupling_weights.resize(n_targets * units, nb);
    out.stimulus_weights.resize(n_targets, stim_cols);
    out.intercepts.resize(n_targets);
    out.spikes.resize(n_targets);
    out.cv_log_likelihood.resize(n_targets, models);
    out.chosen_l2.resize(n_targets, models);
    for_each_task(static_cast<std::size_t>(n_targets), [&](std::size_t rs) {
        const auto r = static_cast<Index>(rs), u = target_of[rs];
        out.spikes(r) = counts.col(u).sum();
        for (int m = 0; m < models; ++m) {
            Index best = 0;
            for (Index g = 1; g < n_grid; ++g)
                if (curves[static_cast<std::size_t>(m)](r, g) >
                    curves[static_cast<std::size_t>(m)](r, best))
                    best = g;
            out.cv_log_likelihood(r, m) = curves[static_cast<std::size_t>(m)](r, best);
            out.chosen_l2(r, m) = grid[static_cast<std::size_t>(best)];
        }
        const PoissonGlmFit fit =
            fit_poisson_glm(full, counts.col(u), out.chosen_l2(r, 2), spec.newton);
        out.stimulus_weights.row(r) = fit.weights.head(stim_cols).transpose();
        out.intercepts(r) = fit.intercept;
        for (Index s = 0; s < units; ++s)
            out.coupling_weights.row(r * units + s) =
                fit.weights.segment(stim_cols + s * nb, nb).transpose();
    });
    out.coupling_filters = out.coupling_weights * spec.history_basis.transpose();
    out.integrated.resize(n_targets, units);
    for (Index t = 0; t < n_targets; ++t)
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
