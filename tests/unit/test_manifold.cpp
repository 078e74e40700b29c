#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <Eigen/QR>
#include <tbb/global_control.h>

#include "kernels/manifold.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"
#include "tests/unit/reference_data.hpp"

namespace k = neuropop::kernels;
namespace test = neuropop::test;

namespace {

// P samples whose sample covariance (ddof 1) is exactly σ² on the first `rank` coordinates and 0
// elsewhere, with sample mean exactly `centroid` up to rounding: orthonormal columns orthogonal
// to the all-ones vector (thin QR of a centred Gaussian matrix), scaled by σ√(P − 1).
Eigen::MatrixXd exact_manifold(int p, int n, int rank, double sigma,
                               const Eigen::VectorXd& centroid, k::CounterRng& rng) {
    Eigen::MatrixXd g = test::gaussian_matrix(p, rank, rng);
    g = g.rowwise() - g.colwise().mean();
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
    const Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(p, rank);
    Eigen::MatrixXd x = Eigen::MatrixXd::Zero(p, n);
    x.leftCols(rank) = sigma * std::sqrt(p - 1.0) * q;
    return x.rowwise() + centroid.transpose();
}

double tail(double x) {
    return 0.5 * std::erfc(x / std::sqrt(2.0));
}

// docs/ANALYSES.md §4 written out once more, independently of the kernel's helper.
double full_form(double signal, double bias, double csa, double csb, double ss, double da,
                 double db, double ratio, double m) {
    const double mean = 0.5 * signal + 0.5 * bias / m;
    const double noise2 = 1 / (da * m) + 1 / (2 * da * m * m) + ratio / (2 * db * m * m) +
                          csa * signal + csb * signal / m + ss / m;
    return tail(mean / std::sqrt(noise2));
}

// The same lines in numpy on the same samples: np.cov (ddof 1) + eigh per manifold.
const char* reference_script = R"PY(
import sys
import numpy as np
from scipy.special import erfc
xs = [read_matrix(p) for p in sys.argv[2:]]
shots = [int(s) for s in sys.argv[1].split(',')]
lam, ax, x0, dsplit = [], [], [], []
for x in xs:
    l, u = np.linalg.eigh(np.cov(x, rowvar=False))
    lam.append(l); ax.append(u); x0.append(x.mean(0))
    ca, cb = np.cov(x[0::2], rowvar=False), np.cov(x[1::2], rowvar=False)
    dsplit.append(l.sum() ** 2 / np.trace(ca @ cb))
K = len(xs)
print(*[l.sum() for l in lam]); print(*[l.sum() ** 2 / (l ** 2).sum() for l in lam]); print(*dsplit)
for a in range(K):
    for b in range(K):
        if a == b: continue
        ra2, rb2 = lam[a].sum(), lam[b].sum()
        dx = (x0[a] - x0[b]) / np.sqrt(ra2); signal = dx @ dx; bias = rb2 / ra2 - 1
        u = dx / np.linalg.norm(dx)
        csa = (lam[a] * (ax[a].T @ u) ** 2).sum() / ra2
        csb = (lam[b] * (ax[b].T @ u) ** 2).sum() / ra2
        ss = (np.outer(lam[a], lam[b]) * (ax[a].T @ ax[b]) ** 2).sum() / ra2 ** 2
        da, db = ra2 ** 2 / (lam[a] ** 2).sum(), rb2 ** 2 / (lam[b] ** 2).sum()
        out = [signal, bias, csa, csb, ss]
        for m in shots:
            mean = 0.5 * signal + 0.5 * bias / m
            noise2 = (1 / (da * m) + 1 / (2 * da * m * m) + (rb2 / ra2) / (2 * db * m * m)
                      + csa * signal + csb * signal / m + ss / m)
            out.append(0.5 * erfc(mean / np.sqrt(noise2) / np.sqrt(2)))
        print(*out)
)PY";

} // namespace

TEST_CASE("manifold geometry closed forms for isotropic manifolds", "[manifold]") {
    // a: isotropic σ_a² in all N dims (R² = N σ_a², D = N); b: σ_b² in its first r dims only.
    const int p = 30, n = 8, r = 3;
    // Comparable radii (R_a² = 8, R_b² = 7.5) keep the errors away from 0 and 1, so that the
    // D_a / D_b trap shows in the predictions.
    const double sa = 1.0, sb = std::sqrt(2.5);
    k::CounterRng rng(51, 1);
    Eigen::VectorXd d(n);
    d << 1.0, -0.5, 2.0, 0.25, 0.0, 1.5, -1.0, 0.5; // x0_a − x0_b
    const std::vector<Eigen::MatrixXd> xs{
        exact_manifold(p, n, n, sa, d, rng),
        exact_manifold(p, n, r, sb, Eigen::VectorXd::Zero(n), rng)};
    k::ManifoldOptions opt;
    opt.shots = {1, 2, 5};
    opt.episodes = 0;
    const auto g = k::manifold_geometry(xs, opt, rng);

    const double va = sa * sa, vb = sb * sb, d2 = d.squaredNorm();
    const double proj_b = d.head(r).squaredNorm() / d2; // ‖P_b d̂‖²
    // The construction is exact up to a QR and a few products: 1e-12 relative throughout.
    const auto near = [](double x) { return Approx(x).epsilon(1e-12).margin(1e-14); };
    CHECK(g.radius2(0) == near(n * va)); // the sum of eigenvalues, not their mean
    CHECK(g.radius2(1) == near(r * vb));
    CHECK(g.dimension(0) == near(n));
    CHECK(g.dimension(1) == near(r));
    // (a, b) = (0, 1)
    CHECK(g.at(g.signal, 0, 1) == near(d2 / (n * va)));
    CHECK(g.at(g.bias, 0, 1) == near(r * vb / (n * va) - 1));
    CHECK(g.at(g.csa, 0, 1) == near(1.0 / n));
    CHECK(g.at(g.csb, 0, 1) == near(vb * proj_b / (n * va)));
    CHECK(g.at(g.ss, 0, 1) == near(vb * r / (n * n * va)));
    // (a, b) = (1, 0)
    CHECK(g.at(g.signal, 1, 0) == near(d2 / (r * vb)));
    CHECK(g.at(g.bias, 1, 0) == near(n * va / (r * vb) - 1));
    CHECK(g.at(g.csa, 1, 0) == near(proj_b / r));
    CHECK(g.at(g.csb, 1, 0) == near(va / (r * vb)));
    CHECK(g.at(g.ss, 1, 0) == near(va / (r * vb)));
    CHECK(std::isnan(g.at(g.signal, 0, 0)));
    CHECK(std::isnan(g.at(g.empirical_error, 0, 1, 0))); // episodes = 0

    for (int s = 0; s < 3; ++s) {
        const double m = opt.shots[static_cast<std::size_t>(s)];
        // Pair (1, 0): D_a = r, D_b = n, R_b²/R_a² = n σ_a² / (r σ_b²).
        const double ratio = n * va / (r * vb);
        const double right = full_form(d2 / (r * vb), ratio - 1, proj_b / r, va / (r * vb),
                                       va / (r * vb), r, n, ratio, m);
        const double swapped = full_form(d2 / (r * vb), ratio - 1, proj_b / r, va / (r * vb),
                                         va / (r * vb), n, r, ratio, m); // the notebook's D_b
        CHECK(g.at(g.predicted_error, 1, 0, s) == near(right));
        // The trap must be visible: D_a and D_b differ here, and so do the predictions.
        CHECK(std::abs(right - swapped) > 1e-3);
    }
}

TEST_CASE("manifold geometry matches a numpy reference", "[manifold]") {
    // P > N (covariance eigen-decomposition) and P ≤ N (Gram route).
    for (const auto& [p, n] : {std::pair{60, 12}, std::pair{25, 40}}) {
        INFO("samples " << p << ", units " << n);
        k::CounterRng rng(52, static_cast<std::uint64_t>(n));
        std::vector<Eigen::MatrixXd> xs;
        test::TempDir dir("manifold");
        std::vector<std::string> args{"1,2,5,10"};
        for (int a = 0; a < 3; ++a) {
            // Anisotropic, differently oriented manifolds with distinct centroids.
            Eigen::VectorXd scales(n);
            for (int i = 0; i < n; ++i)
                scales(i) = 1.0 / (1.0 + 0.3 * i + a);
            Eigen::MatrixXd x = test::gaussian_matrix(p, n, rng) * scales.asDiagonal() *
                                test::random_orthogonal(n, rng);
            x.rowwise() += test::gaussian_matrix(1, n, rng).row(0) * 0.5;
            const std::string file = (dir / ("x" + std::to_string(a) + ".txt")).string();
            test::write_matrix(file, x);
            args.push_back(file);
            xs.push_back(std::move(x));
        }
        k::ManifoldOptions opt;
        opt.episodes = 0;
        const auto g = k::manifold_geometry(xs, opt, rng);
        const auto ref = test::parse_doubles(
            test::run_python(test::python_matrix_io() + reference_script, args));
        REQUIRE(ref.size() == 9 + 6 * 9);
        // Eigen-solvers and summation orders differ; the quantities are well conditioned
        // (no near-cancellation), so rounding stays ~1e-13: 1e-9 relative.
        const auto same = [](double x) { return Approx(x).epsilon(1e-9); };
        for (int a = 0; a < 3; ++a) {
            CHECK(g.radius2(a) == same(ref[static_cast<std::size_t>(a)]));
            CHECK(g.dimension(a) == same(ref[static_cast<std::size_t>(3 + a)]));
            CHECK(g.dimension_split(a) == same(ref[static_cast<std::size_t>(6 + a)]));
        }
        std::size_t at = 9;
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) {
                if (a == b) continue;
                INFO("pair " << a << ", " << b);
                CHECK(g.at(g.signal, a, b) == same(ref[at++]));
                CHECK(g.at(g.bias, a, b) == same(ref[at++]));
                CHECK(g.at(g.csa, a, b) == same(ref[at++]));
                CHECK(g.at(g.csb, a, b) == same(ref[at++]));
                CHECK(g.at(g.ss, a, b) == same(ref[at++]));
                for (int s = 0; s < 4; ++s)
                    CHECK(g.at(g.predicted_error, a, b, s) == same(ref[at++]));
            }
    }
}

TEST_CASE("manifold theory agrees with the empirical few-shot error", "[manifold]") {
    // Two Gaussian manifolds in N = 200 dims, each with 50 unit-variance axes (D = 50,
    // R² = 50) in random, partly overlapping subspaces, centroids 5 apart (signal = 0.5).
    // docs/ANALYSES.md §4: with P = 2 000 samples per manifold theory and simulation agree within
    // 0.02. 400 episodes of 1 999 tests each average out most of the episode-to-episode spread
    // of the prototypes (measured gaps here: ≤ 0.01).
    const int n = 200, dim = 50, p = 2000;
    k::CounterRng rng(53, 1);
    std::vector<Eigen::MatrixXd> xs;
    for (int a = 0; a < 2; ++a) {
        const Eigen::MatrixXd axes = test::random_orthogonal(n, rng).leftCols(dim);
        xs.push_back(test::gaussian_matrix(p, dim, rng) * axes.transpose());
    }
    xs[1].rowwise() += 5.0 * test::random_orthogonal(n, rng).row(0);
    k::ManifoldOptions opt;
    opt.shots = {1, 2, 5, 10};
    opt.episodes = 400;
    const auto g = k::manifold_geometry(xs, opt, rng);
    for (int a = 0; a < 2; ++a) {
        // Plug-in D from 2 000 samples of a 50-dim isotropic manifold: Marchenko–Pastur bias
        // ≈ D²/P ≈ 1.2 (sample Σλ² ≈ Σλ² + (Σλ)²/P); 3 leaves room for sampling noise.
        INFO("D plug-in " << g.dimension(a) << ", split-half " << g.dimension_split(a));
        CHECK(std::abs(g.dimension(a) - dim) < 3.0);
        // The split-half estimate removes that bias: within sampling noise (~0.5).
        CHECK(std::abs(g.dimension_split(a) - dim) < 2.0);
        CHECK(g.radius2(a) == Approx(dim).epsilon(0.05)); // sd of Σλ ≈ √(2·50/2000) · 50 ≈ 1.1
    }
    for (int a = 0; a < 2; ++a)
        for (int s = 0; s < 4; ++s) {
            const double pred = g.at(g.predicted_error, a, 1 - a, s);
            const double emp = g.at(g.empirical_error, a, 1 - a, s);
            INFO("pair " << a << ", m = " << opt.shots[static_cast<std::size_t>(s)]
                         << ": predicted " << pred << ", empirical " << emp);
            CHECK(std::abs(pred - emp) < 0.02);
            CHECK(emp > 0.0); // the setting is hard enough for the comparison to mean something
        }
    // More shots, fewer errors.
    CHECK(g.at(g.empirical_error, 0, 1, 0) > g.at(g.empirical_error, 0, 1, 3));
}

TEST_CASE("manifold episodes give the same bits on one thread as on all", "[manifold]") {
    k::CounterRng data_rng(5, 2);
    std::vector<Eigen::MatrixXd> xs;
    for (int a = 0; a < 4; ++a)
        xs.push_back(test::gaussian_matrix(30, 12, data_rng).array() + 0.3 * a);
    k::ManifoldOptions opt;
    opt.shots = {1, 3};
    opt.episodes = 25;
    k::CounterRng r_all(9, 1), r_one(9, 1);
    const auto all_threads = k::manifold_geometry(xs, opt, r_all);
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    const auto one_thread = k::manifold_geometry(xs, opt, r_one);
    // Bitwise (the diagonal is NaN, which == would call unequal).
    REQUIRE(one_thread.empirical_error.size() == all_threads.empirical_error.size());
    CHECK(std::memcmp(one_thread.empirical_error.data(), all_threads.empirical_error.data(),
                      sizeof(double) *
                          static_cast<std::size_t>(one_thread.empirical_error.size())) == 0);
    CHECK(r_one.draws_used() == r_all.draws_used());
    // Errors are counts over 25 episodes of 29 (m = 1) or 27 (m = 3) tests: multiples of 1/725
    // and 1/675, so a wrong test count would show.
    const double e = one_thread.at(one_thread.empirical_error, 0, 1, 0) * 725.0;
    CHECK(std::abs(e - std::round(e)) < 1e-9);
}

TEST_CASE("manifold geometry rejects bad input", "[manifold]") {
    k::CounterRng rng(54, 1);
    const Eigen::MatrixXd x = test::gaussian_matrix(5, 3, rng);
    k::ManifoldOptions opt;
    opt.shots = {5}; // needs m < P
    CHECK_THROWS_AS(k::manifold_geometry({x, x}, opt, rng), std::invalid_argument);
    opt.shots = {1};
    CHECK_THROWS_AS(k::manifold_geometry({x}, opt, rng), std::invalid_argument);
    CHECK_THROWS_AS(k::manifold_geometry({x, Eigen::MatrixXd(x.leftCols(2))}, opt, rng),
                    std::invalid_argument);
}
