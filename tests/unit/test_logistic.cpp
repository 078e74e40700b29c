// Multinomial logistic regression against scikit-learn 1.2's
// LogisticRegression(solver='lbfgs', multi_class='multinomial', tol=1e-10, max_iter=10000),
// run by the test itself in /usr/bin/python3 on the same data.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/gaussian.hpp"
#include "kernels/logistic.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"
#include "tests/unit/decode_support.hpp"

using neuropop::kernels::CounterRng;
using neuropop::kernels::fit_logistic;
using neuropop::kernels::LinearClassifier;
using neuropop::kernels::LogisticOptions;
namespace td = neuropop::test::decode;

namespace {

using neuropop::kernels::standard_normal;

struct Problem {
    Eigen::MatrixXd x;
    std::vector<int> y;
    int classes = 0;
};

// Gaussian classes with random means of spread `separation` and correlated features (a random
// mixing matrix), so the Hessian is not diagonal.
Problem make_problem(std::uint64_t seed, int n, int p, int k, double separation) {
    CounterRng rng(seed, 0);
    Problem pr;
    pr.classes = k;
    Eigen::MatrixXd means(k, p), mix(p, p);
    for (auto& v : means.reshaped())
        v = separation * standard_normal(rng);
    for (auto& v : mix.reshaped())
        v = standard_normal(rng) / std::sqrt(static_cast<double>(p));
    mix.diagonal().array() += 1.0;
    pr.x.resize(n, p);
    pr.y.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        pr.y[static_cast<std::size_t>(i)] = i % k;
        Eigen::RowVectorXd z(p);
        for (auto& v : z)
            v = standard_normal(rng);
        pr.x.row(i) = means.row(i % k) + z * mix;
    }
    return pr;
}

double objective(const Problem& pr, const LinearClassifier& m, double c, Eigen::MatrixXd* grad_w,
                 Eigen::VectorXd* grad_b) {
    return td::logistic_objective(pr.x, pr.y, m, c, grad_w, grad_b);
}

const char* sklearn_script = R"(import sys, numpy as np
from sklearn.linear_model import LogisticRegression
folder, cases = sys.argv[1], int(sys.argv[2])
for case in range(cases):
    meta = open(f"{folder}/meta{case}.txt").read().split()
    n, p, k, C = int(meta[0]), int(meta[1]), int(meta[2]), float(meta[3])
    X = np.fromfile(f"{folder}/x{case}.f64").reshape(n, p)
    y = np.fromfile(f"{folder}/y{case}.i32", dtype="<i4")
    m = LogisticRegression(solver="lbfgs", multi_class="multinomial", C=C, tol=1e-10,
                           max_iter=10000).fit(X, y)
    np.ascontiguousarray(m.coef_, dtype="<f8").tofile(f"{folder}/coef{case}.f64")
    np.ascontiguousarray(m.intercept_, dtype="<f8").tofile(f"{folder}/intercept{case}.f64")
    print(m.n_iter_[0])
)";

} // namespace

TEST_CASE("logistic regression reaches scikit-learn's optimum on generated data", "[logistic]") {
    struct Case {
        int n, p, k;
        double separation, c;
    };
    // Three class counts (binary, 3, 7), weak to strong penalties, overlapping to separable
    // classes.
    const std::vector<Case> cases{{120, 5, 2, 0.8, 1.0},  {150, 10, 3, 0.7, 0.01},
                                  {150, 10, 3, 0.7, 1.0}, {150, 10, 3, 1.5, 100.0},
                                  {300, 40, 7, 0.5, 1.0}, {300, 40, 7, 0.3, 10.0}};
    neuropop::test::TempDir dir("logistic");
    std::vector<Problem> problems;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const Case& c = cases[i];
        problems.push_back(make_problem(1000 + i, c.n, c.p, c.k, c.separation));
        const std::string s = std::to_string(i);
        td::write_matrix(dir / ("x" + s + ".f64"), problems.back().x);
        td::write_raw(dir / ("y" + s + ".i32"), problems.back().y);
        std::ofstream(dir / ("meta" + s + ".txt"))
            << c.n << ' ' << c.p << ' ' << c.k << ' ' << std::to_string(c.c) << '\n';
    }
    neuropop::test::run_python(sklearn_script, {dir.path().string(), std::to_string(cases.size())});

    for (std::size_t i = 0; i < cases.size(); ++i) {
        const Case& c = cases[i];
        const Problem& pr = problems[i];
        const std::string s = std::to_string(i);
        INFO("case " << i << ": n=" << c.n << " p=" << c.p << " k=" << c.k << " C=" << c.c);
        LogisticOptions options;
        options.C = c.c;
        const auto fit = fit_logistic(pr.x, pr.y, pr.classes, options);
        REQUIRE(fit.converged);

        // scikit-learn reduces two classes to one row: w₁ (and b₁) of the symmetric pair
        // (w₀ = −w₁ at the optimum); rebuild the two-row form to compare like with like.
        const Eigen::Index rows = c.k == 2 ? 1 : c.k;
        Eigen::MatrixXd sk_coef = td::read_matrix(dir / ("coef" + s + ".f64"), rows, c.p);
        Eigen::VectorXd sk_intercept = td::read_matrix(dir / ("intercept" + s + ".f64"), rows, 1);
        LinearClassifier sk;
        if (c.k == 2) {
            sk.coef.resize(2, c.p);
            sk.coef << -sk_coef, sk_coef;
            sk.intercept.resize(2);
            sk.intercept << -sk_intercept[0], sk_intercept[0];
        } else {
            sk.coef = sk_coef;
            sk.intercept = sk_intercept;
        }

        // Our optimum, checked from outside: the independent gradient is ≤ 1e-7 of its value
        // at zero (the kernel stops at 1e-8 in ∞-norm; 10× slack for the different rounding
        // of this loop-by-loop evaluation).
        Eigen::MatrixXd gw, gw0;
        Eigen::VectorXd gb, gb0;
        LinearClassifier zero{Eigen::MatrixXd::Zero(c.k, c.p), Eigen::VectorXd::Zero(c.k)};
        objective(pr, zero, c.c, &gw0, &gb0);
        const double f_ours = objective(pr, fit.model, c.c, &gw, &gb);
        const double g0 = std::max(gw0.cwiseAbs().maxCoeff(), gb0.cwiseAbs().maxCoeff());
        CHECK(std::max(gw.cwiseAbs().maxCoeff(), gb.cwiseAbs().maxCoeff()) <= 1e-7 * g0);
        // Σ_k b_k = 0 is the representative reported (b + t·1 is the same model).
        CHECK(std::abs(fit.model.intercept.sum()) <= 1e-12 * (1 + fit.model.intercept.norm()));

        // At least as good as scikit-learn's: its L-BFGS-B stops on a relative decrease of
        // 2.2e-9 (factr 1e7), ours on the gradient; 1e-12·|f| allows for summation rounding.
        const double f_sk = objective(pr, sk, c.c, nullptr, nullptr);
        CHECK(f_ours <= f_sk + 1e-12 * std::abs(f_sk));

        // Distance between the two weight matrices, bounded from the objective gap: with the
        // intercept minimised out, f is 1-strongly convex in W (the ½‖W‖² term), so
        // ‖W_sk − W*‖²_F ≤ 2 (f_sk − f*); our own distance to W* is ≤ ‖∇_W f(ours)‖_F by the
        // same strong convexity. The bound uses no tolerance picked by hand.
        const double gap = std::max(0.0, f_sk - f_ours);
        const double bound =
            std::sqrt(2.0 * gap) + 2.0 * std::sqrt(gw.squaredNorm() + gb.squaredNorm());
        CHECK((fit.model.coef - sk.coef).norm() <= bound + 1e-12 * sk.coef.norm());
        // And in plain terms: scikit-learn's coefficients agree to 1e-3 relative (max-abs); its
        // stopping rule leaves up to 2.3e-4 in these cases (measured), so 4× margin.
        CHECK(td::relative_error(fit.model.coef, sk.coef) <= 1e-3);
        CHECK((fit.model.intercept - sk.intercept).cwiseAbs().maxCoeff() <=
              1e-3 * std::max(1.0, sk.intercept.cwiseAbs().maxCoeff()));
        // Same predictions on the training data: a flip needs a sample within ~1e-3 of a tie.
        const auto ours = fit.model.predict(pr.x), theirs = sk.predict(pr.x);
        int differ = 0;
        for (std::size_t j = 0; j < ours.size(); ++j)
            differ += ours[j] != theirs[j] ? 1 : 0;
        CHECK(differ <= 1);
    }
}

TEST_CASE("logistic regression keeps the symmetric optimum and rejects bad input", "[logistic]") {
    const Problem pr = make_problem(77, 90, 4, 3, 1.0);
    const auto fit = fit_logistic(pr.x, pr.y, 3);
    REQUIRE(fit.converged);
    // Σ_k w_k = 0 at the optimum: the loss is invariant to adding a vector to every w_k and
    // the penalty is smallest when they sum to zero. 1e-7 relative: the 1e-8 gradient stop.
    CHECK(fit.model.coef.colwise().sum().cwiseAbs().maxCoeff() <=
          1e-7 * fit.model.coef.cwiseAbs().maxCoeff());
    // Deterministic: the same bits on a second run.
    const auto again = fit_logistic(pr.x, pr.y, 3);
    CHECK(again.model.coef == fit.model.coef);
    CHECK(again.model.intercept == fit.model.intercept);

    std::vector<int> y = pr.y;
    y[0] = 3;
    CHECK_THROWS_AS(fit_logistic(pr.x, y, 3), std::invalid_argument);
    y[0] = 0;
    LogisticOptions bad;
    bad.C = 0;
    CHECK_THROWS_AS(fit_logistic(pr.x, y, 3, bad), std::invalid_argument);
    std::vector<int> missing(pr.y.size(), 0); // classes 1 and 2 absent
    missing[1] = 1;
    CHECK_THROWS_WITH(fit_logistic(pr.x, missing, 3), Catch::Contains("class 2"));
}

TEST_CASE("logistic regression meets its gradient criterion with and without the small-product "
          "kernel",
          "[logistic]") {
    // K ≤ 8 runs the register-blocked products, K = 9 Eigen's; sample and feature counts that
    // are not multiples of the vector width exercise the kernel's row tails. The gradient is
    // recomputed from outside, loop by loop.
    for (const int k : {2, 5, 8, 9}) {
        const Problem pr = make_problem(500 + static_cast<std::uint64_t>(k), 9 * k + 4, 13, k, 1.0);
        INFO("classes " << k);
        const auto fit = fit_logistic(pr.x, pr.y, k);
        REQUIRE(fit.converged);
        Eigen::MatrixXd gw, gw0;
        Eigen::VectorXd gb, gb0;
        const LinearClassifier zero{Eigen::MatrixXd::Zero(k, 13), Eigen::VectorXd::Zero(k)};
        objective(pr, zero, 1.0, &gw0, &gb0);
        objective(pr, fit.model, 1.0, &gw, &gb);
        const double g0 = std::max(gw0.cwiseAbs().maxCoeff(), gb0.cwiseAbs().maxCoeff());
        // 1e-7: the kernel stops at 1e-8 in ∞-norm; 10× slack for this loop's own rounding.
        CHECK(std::max(gw.cwiseAbs().maxCoeff(), gb.cwiseAbs().maxCoeff()) <= 1e-7 * g0);
    }
}
