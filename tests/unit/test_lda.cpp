// Ledoit–Wolf shrinkage and shrinkage LDA against scikit-learn 1.2
// (sklearn.covariance.ledoit_wolf, LinearDiscriminantAnalysis(solver='lsqr',
// shrinkage='auto')), run by the test itself in /usr/bin/python3 on the same data.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/gaussian.hpp"
#include "kernels/lda.hpp"
#include "kernels/ledoit_wolf.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"
#include "tests/unit/decode_support.hpp"

using neuropop::kernels::CounterRng;
using neuropop::kernels::fit_lda;
using neuropop::kernels::ledoit_wolf;
namespace td = neuropop::test::decode;

namespace {

using neuropop::kernels::standard_normal;

// Poisson-like counts: rounded, non-negative, class-dependent rates, features of very
// different scales (so the per-class standardisation inside 'auto' matters), and optionally a
// feature that is constant within every class and one constant over all samples.
struct Problem {
    Eigen::MatrixXd x;
    std::vector<int> y;
    int classes;
};

Problem make_problem(std::uint64_t seed, int n, int p, int k, bool constant_features) {
    CounterRng rng(seed, 0);
    Problem pr{Eigen::MatrixXd(n, p), std::vector<int>(static_cast<std::size_t>(n)), k};
    Eigen::MatrixXd rate(k, p);
    for (auto& v : rate.reshaped())
        v = std::exp(1.0 + 0.5 * standard_normal(rng));
    Eigen::VectorXd scale(p);
    for (int j = 0; j < p; ++j)
        scale[j] = std::pow(10.0, 2.0 * rng.uniform() - 1.0);
    for (int i = 0; i < n; ++i) {
        const int c = i % k;
        pr.y[static_cast<std::size_t>(i)] = c;
        const double shared = standard_normal(rng); // correlated noise across features
        for (int j = 0; j < p; ++j)
            pr.x(i, j) = scale[j] *
                         std::max(0.0, std::round(rate(c, j) +
                                                  std::sqrt(rate(c, j)) *
                                                      (0.6 * standard_normal(rng) + 0.8 * shared)));
        if (constant_features) {
            pr.x(i, 0) = 3.0 * c; // constant within each class
            pr.x(i, 1) = 2.5;     // constant overall
        }
    }
    return pr;
}

const char* sklearn_script = R"(import sys, numpy as np
from sklearn.covariance import ledoit_wolf
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
folder, cases = sys.argv[1], int(sys.argv[2])
for case in range(cases):
    n, p, k = map(int, open(f"{folder}/meta{case}.txt").read().split())
    X = np.fromfile(f"{folder}/x{case}.f64").reshape(n, p)
    y = np.fromfile(f"{folder}/y{case}.i32", dtype="<i4")
    cov, shrinkage = ledoit_wolf(X)
    np.ascontiguousarray(cov).tofile(f"{folder}/lw{case}.f64")
    m = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto").fit(X, y)
    np.ascontiguousarray(m.covariance_).tofile(f"{folder}/cov{case}.f64")
    np.ascontiguousarray(m.coef_).tofile(f"{folder}/coef{case}.f64")
    np.ascontiguousarray(m.intercept_).tofile(f"{folder}/intercept{case}.f64")
    np.ascontiguousarray(m.means_).tofile(f"{folder}/means{case}.f64")
    np.ascontiguousarray(m.predict(X), dtype="<i4").tofile(f"{folder}/pred{case}.i32")
    print(repr(shrinkage))
)";

} // namespace

TEST_CASE("Ledoit-Wolf and shrinkage LDA equal scikit-learn's", "[lda]") {
    struct Case {
        int n, p, k;
        bool constant;
    };
    // More features than samples per class (heavy shrinkage), fewer, binary, constant features.
    const std::vector<Case> cases{{60, 20, 3, false},
                                  {300, 12, 7, false},
                                  {80, 5, 2, false},
                                  {140, 30, 7, true},
                                  {50, 1, 2, false}};
    neuropop::test::TempDir dir("lda");
    std::vector<Problem> problems;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const Case& c = cases[i];
        problems.push_back(make_problem(500 + i, c.n, c.p, c.k, c.constant));
        const std::string s = std::to_string(i);
        td::write_matrix(dir / ("x" + s + ".f64"), problems.back().x);
        td::write_raw(dir / ("y" + s + ".i32"), problems.back().y);
        std::ofstream(dir / ("meta" + s + ".txt")) << c.n << ' ' << c.p << ' ' << c.k << '\n';
    }
    const auto shrinkages = neuropop::test::parse_doubles(neuropop::test::run_python(
        sklearn_script, {dir.path().string(), std::to_string(cases.size())}));
    REQUIRE(shrinkages.size() == cases.size());

    for (std::size_t i = 0; i < cases.size(); ++i) {
        const Case& c = cases[i];
        const Problem& pr = problems[i];
        const std::string s = std::to_string(i);
        INFO("case " << i << ": n=" << c.n << " p=" << c.p << " k=" << c.k);
        // The same formulas in the same order up to summation order: 1e-12 relative covers
        // the rounding of sums over ≤ 300 samples (≈ n·eps = 7e-14) with margin.
        const auto lw = ledoit_wolf(pr.x);
        CHECK(lw.shrinkage == Approx(shrinkages[i]).epsilon(1e-12).margin(1e-15));
        CHECK(td::relative_error(lw.covariance,
                                 td::read_matrix(dir / ("lw" + s + ".f64"), c.p, c.p)) <= 1e-12);

        const auto fit = fit_lda(pr.x, pr.y, c.k);
        CHECK(td::relative_error(fit.means,
                                 td::read_matrix(dir / ("means" + s + ".f64"), c.k, c.p)) <= 1e-13);
        CHECK(td::relative_error(fit.covariance,
                                 td::read_matrix(dir / ("cov" + s + ".f64"), c.p, c.p)) <= 1e-12);
        // coef solves Σ C = meansᵀ: rounding in Σ is amplified by its condition number (≤ 1e4
        // here after shrinkage), so 1e-9 relative; scikit-learn keeps one row for two classes,
        // coef₁ − coef₀ (and the same for the intercept).
        const Eigen::Index rows = c.k == 2 ? 1 : c.k;
        const Eigen::MatrixXd sk_coef = td::read_matrix(dir / ("coef" + s + ".f64"), rows, c.p);
        const Eigen::MatrixXd sk_b = td::read_matrix(dir / ("intercept" + s + ".f64"), rows, 1);
        Eigen::MatrixXd coef = fit.model.coef;
        Eigen::MatrixXd b = fit.model.intercept;
        if (c.k == 2) {
            coef = (fit.model.coef.row(1) - fit.model.coef.row(0)).eval();
            b = Eigen::MatrixXd::Constant(1, 1, fit.model.intercept[1] - fit.model.intercept[0]);
        }
        CHECK(td::relative_error(coef, sk_coef) <= 1e-9);
        CHECK(td::relative_error(b, sk_b, 1.0) <= 1e-9);
        // Identical predictions: a flip needs a score tie within ~1e-9 relative.
        const auto sk_pred = td::read_raw<int>(dir / ("pred" + s + ".i32"));
        CHECK(fit.model.predict(pr.x) == sk_pred);
    }
}

TEST_CASE("Ledoit-Wolf closed forms and LDA input checks", "[lda]") {
    // Independent samples of a spherical distribution: the target μI is the truth, so the
    // shrinkage is large; a single feature is never shrunk (scikit-learn returns 0).
    Eigen::MatrixXd one(5, 1);
    one << 1, 2, 4, 8, 16;
    const auto lw1 = ledoit_wolf(one);
    CHECK(lw1.shrinkage == 0.0);
    // population variance of {1,2,4,8,16}: mean 6.2, Σ(x−6.2)² = 148.8, / 5
    CHECK(lw1.covariance(0, 0) == Approx(148.8 / 5).epsilon(1e-14));
    // Identical rows: zero covariance, β = 0 → shrinkage 0 (not 0/0).
    const auto lw0 = ledoit_wolf(Eigen::MatrixXd::Ones(4, 3));
    CHECK(lw0.shrinkage == 0.0);
    CHECK(lw0.covariance.isZero(0.0));

    Eigen::MatrixXd x = Eigen::MatrixXd::Random(10, 3);
    std::vector<int> y{0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
    CHECK_THROWS_WITH(fit_lda(x, y, 3), Catch::Contains("class 2"));
    y.pop_back();
    CHECK_THROWS_AS(fit_lda(x, y, 2), std::invalid_argument);
}
