// Poisson GLM (kernels/poisson_glm.hpp): the Newton fit against scipy's trust-exact minimiser of
// the same penalised objective and against scikit-learn's PoissonRegressor (mean-deviance
// scaling: λ = n α), recovery of known coupling filters from simulated coupled Poisson data,
// and thread independence of the population fit.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Cholesky>
#include <tbb/global_control.h>

#include "kernels/poisson_glm.hpp"
#include "kernels/raised_cosine.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"
#include "tests/unit/reference_data.hpp"

namespace k = neuropop::kernels;
namespace test = neuropop::test;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

// Draws the data (numpy default_rng(7)) unless a design is given, then fits the penalised
// objective Σ[exp(η) − yη] + λ/2‖w‖² with scipy (trust-exact, exact Hessian, polished by a
// root of the gradient) and the same
// problem with PoissonRegressor(alpha = λ / n, newton-cholesky). Writes x, y, scipy, sklearn
// (each [intercept, weights...]).
const std::string glm_reference = test::python_matrix_io() + R"PY(
import sys, warnings
from scipy.optimize import minimize, root
from sklearn.linear_model import PoissonRegressor
d, lam, mode = sys.argv[1], float(sys.argv[2]), sys.argv[3]
if mode == 'draw':
    rng = np.random.default_rng(7)
    n, p = 3000, 8
    X = 0.4 * rng.standard_normal((n, p))
    w = rng.standard_normal(p) * 0.5
    y = rng.poisson(np.exp(-1.0 + X @ w)).astype(float)
    write_matrix(d + '/x', X); write_matrix(d + '/y', y[:, None])
else:
    X = read_matrix(d + '/x'); y = read_matrix(d + '/y').ravel()
n, p = X.shape
A = np.hstack([X, np.ones((n, 1))])
pen = np.r_[np.ones(p), 0.0]
def f(t):
    eta = A @ t
    return np.sum(np.exp(eta) - y * eta) + 0.5 * lam * np.sum(pen * t * t)
def g(t):
    return A.T @ (np.exp(A @ t) - y) + lam * pen * t
def h(t):
    return (A * np.exp(A @ t)[:, None]).T @ A + np.diag(lam * pen)
t0 = np.r_[np.zeros(p), np.log(y.mean())]
r = minimize(f, t0, jac=g, hess=h, method='trust-exact', options={'gtol': 1e-11, 'maxiter': 1000})
# Near the optimum f changes by less than its rounding (|f| ~ 1e3), so minimize stops about
# 1e-8 short; MINPACK's hybrj then solves ∇f = 0 from there, which rounding does not stall.
r = root(g, r.x, jac=h, method='hybr', tol=1e-14)
write_matrix(d + '/scipy', np.r_[r.x[-1], r.x[:-1]][None, :])
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    m = PoissonRegressor(alpha=lam / n, solver='newton-cholesky', tol=1e-12, max_iter=1000).fit(X, y)
write_matrix(d + '/sklearn', np.r_[m.intercept_, m.coef_][None, :])
)PY";

// Knuth's multiplication method; rates here are below 3 per bin.
double poisson_draw(double rate, k::CounterRng& rng) {
    const double limit = std::exp(-rate);
    double product = rng.uniform();
    double count = 0;
    while (product > limit) {
        product *= rng.uniform();
        count += 1;
    }
    return count;
}

struct CoupledData {
    MatrixXd counts;
    std::vector<int> conditions;
    MatrixXd trial_basis, history_basis;
    MatrixXd weights; // units² × n_basis, row target · units + source
};

// 4 units, 2 conditions, trials of 50 bins of 10 ms, baseline 0.15 spikes / bin, a smooth
// per-condition PSTH, refractory own history, couplings 0 → 1 and 3 → 0 (excitatory) and
// 2 → 3 (inhibitory). No excitatory loop: a 0 ⇄ 1 loop of this strength ran away to hundreds
// of spikes per bin.
CoupledData simulate_coupled(int trials, std::uint64_t seed) {
    CoupledData d;
    const int units = 4, bins = 50;
    d.trial_basis = k::trial_basis(bins, 5);
    d.history_basis = k::post_spike_basis({4, 0.0, 0.05, 0.01, 0.01, 0.1});
    const Eigen::Index nb = d.history_basis.cols(), lags = d.history_basis.rows();
    d.weights = MatrixXd::Zero(units * units, nb);
    for (int u = 0; u < units; ++u)
        d.weights.row(u * units + u) << -1.5, -0.5, -0.2, 0.0;
    d.weights.row(1 * units + 0) << 0.5, 0.3, 0.1, 0.0;
    d.weights.row(0 * units + 3) << 0.3, 0.2, 0.0, 0.0;
    d.weights.row(3 * units + 2) << -0.8, -0.4, -0.2, 0.0;
    const MatrixXd filters = d.weights * d.history_basis.transpose(); // units² × lags
    MatrixXd stim(2, 5);
    stim << 0.0, 0.5, 1.0, 0.5, 0.0, 0.5, 0.0, -0.5, 0.0, 0.5;
    k::CounterRng rng(seed, 11);
    d.counts = MatrixXd::Zero(trials * bins, units);
    for (int tr = 0; tr < trials; ++tr) {
        const int c = static_cast<int>(rng.below(2));
        d.conditions.push_back(c);
        for (int t = 0; t < bins; ++t) {
            const Eigen::Index row = tr * bins + t;
            for (int u = 0; u < units; ++u) {
                double eta = std::log(0.15) + d.trial_basis.row(t).dot(stim.row(c));
                for (int s = 0; s < units; ++s)
                    for (Eigen::Index lag = 1; lag <= lags && lag <= t; ++lag)
                        eta += filters(u * units + s, lag - 1) * d.counts(row - lag, s);
                d.counts(row, u) = poisson_draw(std::exp(eta), rng);
            }
        }
    }
    return d;
}

} // namespace

TEST_CASE("Poisson GLM Newton fit equals scipy and scikit-learn on the same objective",
          "[poisson_glm][reference]") {
    test::TempDir dir("poisson-glm");
    const double lambda = 5.0;
    test::run_python(glm_reference, {dir.path().string(), "5", "draw"});
    const MatrixXd x = test::read_matrix(dir / "x");
    const VectorXd y = test::read_matrix(dir / "y").col(0);
    const auto fit = k::fit_poisson_glm(x, y, lambda);
    CHECK(fit.converged);
    CHECK(fit.iterations <= 10); // Newton: quadratic convergence from log(mean y)
    VectorXd ours(9);
    ours << fit.intercept, fit.weights;
    const VectorXd scipy_fit = test::read_matrix(dir / "scipy").row(0).transpose();
    const VectorXd sklearn_fit = test::read_matrix(dir / "sklearn").row(0).transpose();
    // Both minimise one strictly convex objective; scipy ends at ‖∇‖ ~ 1e-14 (curvature
    // ≳ 100 here, so parameters within ~1e-15) and scikit-learn's Newton–Cholesky at
    // tol = 1e-12. Measured: 2e-16 from both (5 Newton iterations); the bound 1e-10 leaves
    // room for other BLAS / LAPACK builds and is far below any statistical difference.
    CHECK((ours - scipy_fit).cwiseAbs().maxCoeff() <= 1e-10);
    CHECK((ours - sklearn_fit).cwiseAbs().maxCoeff() <= 1e-10);

    // Stimulus-only design (one-hot condition × trial basis; the intercept is the sum of a
    // condition's columns, identified only through the penalty) against scikit-learn.
    const auto data = simulate_coupled(60, 3);
    const MatrixXd stim = k::stimulus_design(data.conditions, 2, data.trial_basis);
    test::write_matrix(dir / "x", stim);
    test::write_matrix(dir / "y", data.counts.col(2));
    test::run_python(glm_reference, {dir.path().string(), "2", "read"});
    const auto stim_fit = k::fit_poisson_glm(stim, data.counts.col(2), 2.0);
    CHECK(stim_fit.converged);
    VectorXd stim_ours(stim.cols() + 1);
    stim_ours << stim_fit.intercept, stim_fit.weights;
    const VectorXd stim_ref = test::read_matrix(dir / "sklearn").row(0).transpose();
    const VectorXd stim_scipy = test::read_matrix(dir / "scipy").row(0).transpose();
    // Measured 1e-15 (sklearn) and 3e-15 (scipy); same bound.
    CHECK((stim_ours - stim_ref).cwiseAbs().maxCoeff() <= 1e-10);
    CHECK((stim_ours - stim_scipy).cwiseAbs().maxCoeff() <= 1e-10);

    // The same fit on rows pooled by (condition, bin), as fit_coupled_glm fits its
    // stimulus-only model: the same objective summed in another order, so the same minimiser
    // to rounding; same bound.
    const k::PooledStimulus pooled = k::pool_stimulus(data.conditions, 2, data.trial_basis);
    CHECK(pooled.design.rows() == 2 * data.trial_basis.rows());
    CHECK(pooled.exposure.sum() == static_cast<double>(stim.rows()));
    const VectorXd pooled_y = pooled.pool(data.counts.col(2));
    CHECK(pooled_y.sum() == data.counts.col(2).sum());
    const auto pooled_fit =
        k::fit_poisson_glm_pooled(pooled.design, pooled.exposure, pooled_y, 2.0);
    CHECK(pooled_fit.converged);
    VectorXd pooled_ours(stim.cols() + 1);
    pooled_ours << pooled_fit.intercept, pooled_fit.weights;
    CHECK((pooled_ours - stim_ref).cwiseAbs().maxCoeff() <= 1e-10);
    CHECK((pooled_ours - stim_scipy).cwiseAbs().maxCoeff() <= 1e-10);
    CHECK(pooled_fit.objective == Approx(stim_fit.objective).epsilon(1e-13));
    // And with the design's condition blocks used directly (fit_stimulus_glm).
    const auto block_fit = k::fit_stimulus_glm(pooled, pooled_y, 2.0);
    CHECK(block_fit.converged);
    VectorXd block_ours(stim.cols() + 1);
    block_ours << block_fit.intercept, block_fit.weights;
    CHECK((block_ours - stim_ref).cwiseAbs().maxCoeff() <= 1e-10);
    CHECK((block_ours - stim_scipy).cwiseAbs().maxCoeff() <= 1e-10);
    // A subset of trials (the training trials of a fold) pools only those trials' rows.
    std::vector<char> odd(data.conditions.size());
    for (std::size_t t = 0; t < odd.size(); ++t)
        odd[t] = static_cast<char>(t % 2);
    const k::PooledStimulus half = k::pool_stimulus(data.conditions, 2, data.trial_basis, odd);
    CHECK(half.exposure.sum() == static_cast<double>(stim.rows() / 2));
    CHECK_THROWS_AS(k::fit_poisson_glm_pooled(pooled.design, -pooled.exposure, pooled_y, 1.0),
                    std::invalid_argument);

    // Objective and log-likelihood are consistent: LL = −f + λ/2‖w‖² − Σ log y!.
    double log_factorials = 0;
    for (Eigen::Index i = 0; i < y.size(); ++i)
        log_factorials += std::lgamma(y(i) + 1.0);
    CHECK(k::poisson_log_likelihood(x, y, fit) ==
          Approx(-fit.objective + 0.5 * lambda * fit.weights.squaredNorm() - log_factorials)
              .epsilon(1e-12));
    CHECK_THROWS_AS(k::fit_poisson_glm(x, VectorXd::Zero(y.size()), 1.0), std::invalid_argument);
    CHECK_THROWS_AS(k::fit_poisson_glm(x, y, -1.0), std::invalid_argument);
}

TEST_CASE("Coupled GLM recovers known coupling filters from simulated data", "[poisson_glm]") {
    // 400 trials × 50 bins = 20 000 bins, about 3000 spikes per unit.
    const auto data = simulate_coupled(400, 1);
    std::vector<int> folds(400);
    for (std::size_t t = 0; t < 400; ++t)
        folds[t] = static_cast<int>(t % 5);
    k::CoupledGlmSpec spec;
    spec.n_conditions = 2;
    spec.trial_basis = data.trial_basis;
    spec.history_basis = data.history_basis;
    spec.l2 = {10.0, 1.0, 0.1};
    const auto result = k::fit_coupled_glm(data.counts, data.conditions, folds, spec);
    REQUIRE(result.coupling_weights.rows() == 16);
    REQUIRE(result.coupling_weights.cols() == 4);

    // Standard errors from the penalised Hessian at each unit's fit on all data: weights must
    // lie within 4.5 SE of the truth (64 coupling weights: P(any |z| > 4.5) ≈ 4e-4 under the
    // asymptotic normal; the penalty's bias at λ ≤ 10 is far below one SE here). Measured:
    // max |z| = 3.9 over the 64 weights, 3.0 over the 16 integrals.
    const MatrixXd stim = k::stimulus_design(data.conditions, 2, data.trial_basis);
    const MatrixXd hist = k::history_design(data.counts, data.history_basis, 50);
    MatrixXd full(stim.rows(), stim.cols() + hist.cols() + 1);
    full << stim, hist, VectorXd::Ones(stim.rows());
    double worst_z = 0, worst_integral_z = 0;
    std::vector<MatrixXd> covariances;
    for (int u = 0; u < 4; ++u) {
        VectorXd theta(full.cols());
        theta << result.stimulus_weights.row(u).transpose(),
            result.coupling_weights.middleRows(u * 4, 4).transpose().reshaped(), // source-major
            result.intercepts(u);
        const VectorXd mu = (full * theta).array().exp();
        MatrixXd h = full.transpose() * (full.array().colwise() * mu.array()).matrix();
        h.diagonal().head(full.cols() - 1).array() += result.chosen_l2(u, 2);
        covariances.push_back(h.llt().solve(MatrixXd::Identity(h.rows(), h.cols())));
        const MatrixXd& cov = covariances.back();
        for (int s = 0; s < 4; ++s)
            for (int j = 0; j < 4; ++j) {
                const Eigen::Index col = stim.cols() + s * 4 + j;
                const double z =
                    (result.coupling_weights(u * 4 + s, j) - data.weights(u * 4 + s, j)) /
                    std::sqrt(cov(col, col));
                INFO("target " << u << " source " << s << " basis " << j << " z " << z);
                CHECK(std::abs(z) <= 4.5);
                worst_z = std::max(worst_z, std::abs(z));
            }
    }
    // Integrated coupling Σ_lags filter = cᵀw with c the basis column sums: within 4.5 SE
    // (SE² = cᵀ Σ c from the same covariance) of the true integral.
    const MatrixXd true_filters = data.weights * data.history_basis.transpose();
    const VectorXd c = data.history_basis.colwise().sum().transpose();
    for (int t = 0; t < 4; ++t)
        for (int s = 0; s < 4; ++s) {
            const double truth = true_filters.row(t * 4 + s).sum();
            const Eigen::Index col = stim.cols() + s * 4;
            const double se = std::sqrt(c.dot(covariances[t].block(col, col, 4, 4) * c));
            const double z = (result.integrated(t, s) - truth) / se;
            INFO("target " << t << " source " << s << ": " << result.integrated(t, s) << " vs "
                           << truth << ", SE " << se);
            CHECK(std::abs(z) <= 4.5);
            worst_integral_z = std::max(worst_integral_z, std::abs(z));
            if (truth != 0) CHECK((result.integrated(t, s) > 0) == (truth > 0));
        }
    // Coupling helps the coupled units out of sample; unit 2 has no input from other units.
    // Measured gains over the uncoupled model: 0.004, 0.069, −0.003, 0.057 bits / spike.
    CHECK(result.gain_vs_uncoupled(1) > 0.01);
    CHECK(result.gain_vs_uncoupled(3) > 0.005);
    CHECK(result.gain_vs_uncoupled(2) < 0.005);
    CHECK((result.gain_vs_stimulus.array() > result.gain_vs_uncoupled.array() - 1e-12).all());
}

TEST_CASE("Coupled GLM is bitwise identical on 1 and 2 threads", "[poisson_glm]") {
    const auto data = simulate_coupled(60, 2);
    std::vector<int> folds(60);
    for (std::size_t t = 0; t < 60; ++t)
        folds[t] = static_cast<int>(t % 3);
    k::CoupledGlmSpec spec;
    spec.n_conditions = 2;
    spec.trial_basis = data.trial_basis;
    spec.history_basis = data.history_basis;
    spec.l2 = {30.0, 3.0};
    k::CoupledGlmResult one, two;
    {
        tbb::global_control c(tbb::global_control::max_allowed_parallelism, 1);
        one = k::fit_coupled_glm(data.counts, data.conditions, folds, spec);
    }
    {
        tbb::global_control c(tbb::global_control::max_allowed_parallelism, 2);
        two = k::fit_coupled_glm(data.counts, data.conditions, folds, spec);
    }
    CHECK((one.coupling_weights.array() == two.coupling_weights.array()).all());
    CHECK((one.stimulus_weights.array() == two.stimulus_weights.array()).all());
    CHECK((one.cv_log_likelihood.array() == two.cv_log_likelihood.array()).all());
    CHECK((one.gain_vs_stimulus.array() == two.gain_vs_stimulus.array()).all());

    // Fitting a subset of units (a target region's, with every unit's history as covariates):
    // each fitted unit's computations are those of the full fit, so its rows equal the full
    // fit's bitwise.
    spec.targets = {3, 1};
    const auto some = k::fit_coupled_glm(data.counts, data.conditions, folds, spec);
    REQUIRE(some.targets == 2);
    REQUIRE(some.integrated.rows() == 2);
    REQUIRE(some.integrated.cols() == 4);
    for (Eigen::Index r = 0; r < 2; ++r) {
        const Eigen::Index u = spec.targets[static_cast<std::size_t>(r)];
        CHECK((some.integrated.row(r).array() == one.integrated.row(u).array()).all());
        CHECK((some.coupling_weights.middleRows(r * 4, 4).array() ==
               one.coupling_weights.middleRows(u * 4, 4).array())
                  .all());
        CHECK(
            (some.cv_log_likelihood.row(r).array() == one.cv_log_likelihood.row(u).array()).all());
        CHECK(some.spikes(r) == one.spikes(u));
    }
    spec.targets = {1, 1};
    CHECK_THROWS_AS(k::fit_coupled_glm(data.counts, data.conditions, folds, spec),
                    std::invalid_argument);
}

TEST_CASE("Coupled design (stimulus + history basis of every unit) fits as scipy's Newton "
          "reference, and the population fit's final model is that fit",
          "[poisson_glm][reference]") {
    test::TempDir dir("poisson-glm-coupled");
    // 80 trials × 50 bins = 4000 rows, 2 conditions × 5 stimulus columns + 4 units × 4 history
    // columns: the design fit_coupled_glm builds for its coupled model.
    const auto data = simulate_coupled(80, 4);
    const MatrixXd stim = k::stimulus_design(data.conditions, 2, data.trial_basis);
    const MatrixXd hist = k::history_design(data.counts, data.history_basis, 50);
    MatrixXd full(stim.rows(), stim.cols() + hist.cols());
    full << stim, hist;
    const VectorXd y = data.counts.col(1);
    const double lambda = 3.0;
    test::write_matrix(dir / "x", full);
    test::write_matrix(dir / "y", y);
    test::run_python(glm_reference, {dir.path().string(), "3", "read"});
    const auto fit = k::fit_poisson_glm(full, y, lambda);
    CHECK(fit.converged);
    VectorXd ours(full.cols() + 1);
    ours << fit.intercept, fit.weights;
    const VectorXd scipy_fit = test::read_matrix(dir / "scipy").row(0).transpose();
    const VectorXd sklearn_fit = test::read_matrix(dir / "sklearn").row(0).transpose();
    // Same strictly convex objective as the first case, 26 parameters; history columns sum up
    // to a few counts, so the curvature stays ≳ 10 and 1e-9 is far above the rounding of either
    // solver (measured below 1e-13) and far below any statistical difference.
    INFO("max |ours - scipy| " << (ours - scipy_fit).cwiseAbs().maxCoeff());
    CHECK((ours - scipy_fit).cwiseAbs().maxCoeff() <= 1e-9);
    CHECK((ours - sklearn_fit).cwiseAbs().maxCoeff() <= 1e-9);

    // fit_coupled_glm refits each unit on all trials at its chosen λ: with a one-value grid that
    // is exactly this fit (same design, same start, same iterations).
    std::vector<int> folds(80);
    for (std::size_t t = 0; t < 80; ++t)
        folds[t] = static_cast<int>(t % 4);
    k::CoupledGlmSpec spec;
    spec.n_conditions = 2;
    spec.trial_basis = data.trial_basis;
    spec.history_basis = data.history_basis;
    spec.l2 = {lambda};
    const auto population = k::fit_coupled_glm(data.counts, data.conditions, folds, spec);
    CHECK(population.intercepts(1) == fit.intercept);
    CHECK((population.stimulus_weights.row(1).transpose().array() ==
           fit.weights.head(stim.cols()).array())
              .all());
    for (Eigen::Index s = 0; s < 4; ++s)
        CHECK((population.coupling_weights.row(1 * 4 + s).transpose().array() ==
               fit.weights.segment(stim.cols() + s * 4, 4).array())
                  .all());
}
