#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>
#include <string>

#include "kernels/factor_analysis.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"
#include "tests/unit/reference_data.hpp"

using neuropop::kernels::CounterRng;
using neuropop::kernels::factor_analysis;
using neuropop::kernels::FactorAnalysisOptions;
using neuropop::kernels::FactorAnalysisResult;
namespace test = neuropop::test;

namespace {

// Single-trial spike counts in [0.1, 0.5) s after stimulus onset (one 400 ms bin), trials × units.
const std::string counts_script = test::python_matrix_io() + test::python_it_counts() + R"PY(
import sys
out = sys.argv[1]
for spec in sys.argv[2:]:
    name, path = spec.split('=', 1)
    counts, _ = it_counts(path, 0.1, 0.5, 0.4)
    write_matrix(out + '/X_' + name, counts[:, :, 0])
)PY";

// sklearn.decomposition.FactorAnalysis(svd_method='lapack') on X_<name>: prints the last
// log-likelihood, n_iter_, then writes LLᵀ = components_ᵀ components_ and noise_variance_.
const std::string sklearn_script = test::python_matrix_io() + R"PY(
import sys
import warnings
from sklearn.decomposition import FactorAnalysis
out, name, k, tol, max_iter = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
x = read_matrix(out + '/X_' + name)
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    fa = FactorAnalysis(n_components=k, svd_method='lapack', tol=tol, max_iter=max_iter).fit(x)
write_matrix(out + '/LLT_' + name, fa.components_.T @ fa.components_)
write_matrix(out + '/psi_' + name, fa.noise_variance_)
print('%.17g %d' % (fa.loglike_[-1], fa.n_iter_))
)PY";

struct Reference {
    double log_likelihood;
    std::size_t iterations;
    Eigen::MatrixXd llt;
    Eigen::VectorXd psi;
};

Reference sklearn_fa(const test::TempDir& dir, const std::string& name,
                     const FactorAnalysisOptions& opt) {
    std::ostringstream tol;
    tol.precision(17);
    tol << opt.tol;
    const auto out = test::parse_doubles(
        test::run_python(sklearn_script, {dir.path().string(), name, std::to_string(opt.factors),
                                          tol.str(), std::to_string(opt.max_iter)}));
    REQUIRE(out.size() == 2);
    return {out[0], static_cast<std::size_t>(out[1]), test::read_matrix(dir / ("LLT_" + name)),
            test::read_matrix(dir / ("psi_" + name)).row(0).transpose()};
}

// Same iteration, same stopping rule: the iteration counts match, and the paths differ only by
// rounding (an n × p SVD vs a p × p eigen-decomposition of the same scaled covariance, ~1e-15
// relative per step); the EM map contracts towards the optimum, so those differences do not
// grow. Measured here: LLᵀ and Ψ within 5e-12 of sklearn's (variances are 1–60), ℓ within
// ~1e-15 relative. Bounds: ℓ within 1e-9 relative, LLᵀ and Ψ within 1e-7 of the largest
// variance — a 1000× margin for other LAPACK builds, still far below any modelling difference
// (a biased/unbiased variance mix-up alone changes Ψ by 1/n ≈ 2e-3 relative).
void compare(const FactorAnalysisResult& r, const Reference& ref, const Eigen::VectorXd& var) {
    CHECK(r.iterations == ref.iterations);
    INFO("log-likelihood " << r.log_likelihood << " vs sklearn " << ref.log_likelihood);
    CHECK(std::abs(r.log_likelihood - ref.log_likelihood) <= 1e-9 * std::abs(ref.log_likelihood));
    const double scale = var.maxCoeff();
    const Eigen::MatrixXd llt = r.loadings * r.loadings.transpose();
    INFO("max |LLᵀ − sklearn| = " << (llt - ref.llt).cwiseAbs().maxCoeff()
                                  << ", max |Ψ − sklearn| = "
                                  << (r.noise_variance - ref.psi).cwiseAbs().maxCoeff());
    CHECK((llt - ref.llt).cwiseAbs().maxCoeff() <= 1e-7 * scale);
    CHECK((r.noise_variance - ref.psi).cwiseAbs().maxCoeff() <= 1e-7 * scale);
}

Eigen::VectorXd variances(const Eigen::MatrixXd& x) {
    const Eigen::MatrixXd c = x.rowwise() - x.colwise().mean();
    return c.colwise().squaredNorm() / static_cast<double>(x.rows());
}

} // namespace

TEST_CASE("factor analysis matches scikit-learn on real IT single-trial counts",
          "[factor_analysis][reference]") {
    test::TempDir dir("fa");
    test::run_python(counts_script, {dir.path().string(), "s1018=" + test::it_session(1018),
                                     "s1015=" + test::it_session(1015)});
    struct Case {
        std::string name;
        std::size_t factors;
    };
    for (const Case& c : {Case{"s1018", 2}, Case{"s1018", 3}, Case{"s1015", 2}}) {
        INFO(c.name << ", " << c.factors << " factors");
        const Eigen::MatrixXd x = test::read_matrix(dir / ("X_" + c.name));
        const FactorAnalysisOptions opt{c.factors, 1000, 1e-2};
        const FactorAnalysisResult r = factor_analysis(x, opt);
        compare(r, sklearn_fa(dir, c.name, opt), variances(x));
        CHECK(r.converged);
        CHECK(r.mean.isApprox(x.colwise().mean().transpose(), 1e-14));
        for (Eigen::Index i = 0; i < x.cols(); ++i) {
            const double h = r.loadings.row(i).squaredNorm();
            CHECK(r.shared_fraction(i) == Approx(h / (h + r.noise_variance(i))).epsilon(1e-14));
        }
    }

    SECTION("a zero-variance unit keeps Ψ = 1e-12 (as sklearn) and has no shared variance") {
        Eigen::MatrixXd x = test::read_matrix(dir / "X_s1018");
        x.col(4).setConstant(3.0);
        test::write_matrix(dir / "X_silent", x);
        const FactorAnalysisOptions opt{2, 1000, 1e-2};
        const FactorAnalysisResult r = factor_analysis(x, opt);
        const Reference ref = sklearn_fa(dir, "silent", opt);
        compare(r, ref, variances(x));
        CHECK(r.noise_variance(4) == 1e-12);
        CHECK(ref.psi(4) == 1e-12);
        CHECK(r.loadings.row(4).isZero(0.0));
        CHECK(r.shared_fraction(4) == 0.0);
    }
}

TEST_CASE("factor analysis recovers a known model", "[factor_analysis]") {
    // x = L z + ε with 12 units, 3 factors, n = 20 000 samples; L ~ N(0, 1) entries, Ψ_i in
    // [0.3, 1.3]. Run to a tight tolerance so that the remaining error is sampling error.
    const Eigen::Index p = 12, k = 3, n = 20000;
    CounterRng rng(77, 1);
    const Eigen::MatrixXd l = test::gaussian_matrix(p, k, rng);
    Eigen::VectorXd psi(p);
    for (Eigen::Index i = 0; i < p; ++i)
        psi(i) = 0.3 + rng.uniform();
    Eigen::MatrixXd x = test::gaussian_matrix(n, k, rng) * l.transpose() +
                        test::gaussian_matrix(n, p, rng) * psi.cwiseSqrt().asDiagonal();
    x.rowwise() += Eigen::RowVectorXd::LinSpaced(p, 1.0, 12.0);

    const FactorAnalysisOptions opt{3, 5000, 1e-6};
    const FactorAnalysisResult r = factor_analysis(x, opt);
    CHECK(r.converged);
    const Eigen::MatrixXd sigma = l * l.transpose() + Eigen::MatrixXd(psi.asDiagonal());
    const Eigen::MatrixXd llt = r.loadings * r.loadings.transpose();
    // Sampling error of a covariance entry: sd(Ŝ_ij) = √((Σ_ii Σ_jj + Σ_ij²) / n). The ML
    // estimates of (LLᵀ)_ij and Ψ_i are smooth functions of Ŝ with errors of that order; 5 sd
    // bounds each entry (two-sided 6e-7 per entry for a Gaussian error).
    for (Eigen::Index i = 0; i < p; ++i) {
        for (Eigen::Index j = 0; j < p; ++j) {
            const double sd = std::sqrt((sigma(i, i) * sigma(j, j) + sigma(i, j) * sigma(i, j)) /
                                        static_cast<double>(n));
            INFO("(" << i << ", " << j << "): " << llt(i, j) << " vs "
                     << (l * l.transpose())(i, j));
            CHECK(std::abs(llt(i, j) - (l * l.transpose())(i, j)) <= 5 * sd);
        }
        const double sd = std::sqrt(2.0 / static_cast<double>(n)) * sigma(i, i);
        CHECK(std::abs(r.noise_variance(i) - psi(i)) <= 5 * sd);
        const double h = (l * l.transpose())(i, i);
        CHECK(r.shared_fraction(i) == Approx(h / (h + psi(i))).margin(0.03));
    }

    SECTION("and agrees with scikit-learn on the same data") {
        test::TempDir dir("fa-model");
        test::write_matrix(dir / "X_model", x);
        compare(r, sklearn_fa(dir, "model", opt), variances(x));
    }
}

TEST_CASE("factor analysis input checks and iteration cap", "[factor_analysis]") {
    CounterRng rng(5, 5);
    const Eigen::MatrixXd x = test::gaussian_matrix(50, 4, rng);
    CHECK_THROWS_AS(factor_analysis(x, {0}), std::invalid_argument);
    CHECK_THROWS_AS(factor_analysis(x, {5}), std::invalid_argument);
    CHECK_THROWS_AS(factor_analysis(x.topRows(1), {1}), std::invalid_argument);
    CHECK_THROWS_AS(factor_analysis(x, {1, 0}), std::invalid_argument);
    const FactorAnalysisResult capped = factor_analysis(x, {2, 2, 1e-300});
    CHECK(capped.iterations == 2);
    CHECK_FALSE(capped.converged);
}
