#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include <tbb/global_control.h>

#include "kernels/manifold_capacity.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"
#include "tests/unit/reference_data.hpp"

namespace k = neuropop::kernels;
namespace test = neuropop::test;

namespace {

// The PRX mean-field integral for L2 balls, integrated by scipy.integrate.quad (nested), for
// each "R D" pair on the command line. The normal density is written out (stats.norm.pdf's
// per-call overhead made this 100 times slower) and r runs over √D ± 12, where χ_D lives.
const char* ball_script = R"PY(
import sys
import numpy as np
from scipy import integrate, stats
def phi(t):
    return np.exp(-0.5 * t * t) / np.sqrt(2 * np.pi)
def ball(R, D):
    def inner(r):
        f1 = integrate.quad(lambda t: (R * r + t) ** 2 * phi(t), -R * r, r / R,
                            epsabs=1e-12, epsrel=1e-11)[0] / (1 + R * R)
        f2 = integrate.quad(lambda t: (r * r + t * t) * phi(t), r / R, np.inf,
                            epsabs=1e-12, epsrel=1e-11)[0]
        return (f1 + f2) * stats.chi.pdf(r, D)
    lo, hi = max(0.0, np.sqrt(D) - 12), np.sqrt(D) + 12
    return 1.0 / integrate.quad(inner, lo, hi, epsabs=1e-12, epsrel=1e-11, limit=200)[0]
args = sys.argv[1:]
print(*[ball(float(args[i]), int(args[i + 1])) for i in range(0, len(args), 2)])
)PY";

// mftma's each_manifold_analysis_D1 ported to numpy with scipy.optimize.nnls in place of
// cvxopt's QP (the NNLS is the QP's dual; see the kernel's header), on the kernel's t samples.
const char* anchor_script = R"PY(
import sys
import numpy as np
from scipy.optimize import nnls
pts = read_matrix(sys.argv[1]); T = read_matrix(sys.argv[2]); kappa = float(sys.argv[3])
m, D = pts.shape
S = np.vstack([pts.T, np.ones((1, m))])
anchors = np.empty((D + 1, T.shape[0])); contrib = np.empty(T.shape[0])
for i, t in enumerate(T):
    s0 = S[:, np.argmax(S[:D].T @ t[:D])]
    s = s0
    if t @ s0 + kappa >= 0:
        rhs = t.copy(); rhs[D] += kappa
        z, _ = nnls(S, rhs)
        sz = S @ z
        if np.linalg.norm(sz) >= 1e-8:
            s = sz / z.sum()
    anchors[:, i] = s
    contrib[i] = max(t @ s + kappa, 0) ** 2 / (s @ s)
sd = anchors[:D]
radius = np.sqrt(np.mean(np.sum(sd ** 2, 0)))
radius_mftma = np.sqrt(np.mean(np.sum((sd - sd.mean(1, keepdims=True)) ** 2, 0)))
sn = np.linalg.norm(sd, axis=0)
td = T[:, :D].T
dim = np.mean(np.where(sn > 0, np.sum(td * sd, 0) / np.where(sn > 0, sn, 1), 0) ** 2)
cos = np.mean(np.sum(td * sd, 0) / (np.linalg.norm(td, axis=0) * np.sqrt(sn ** 2 + 1e-12)))
print(1 / contrib.mean(), radius, dim, radius_mftma, D * cos ** 2)
)PY";

// Points on a circle (D = 2) or a Fibonacci sphere (D = 3) of radius R: their convex hull's
// support function is within 1 − cos(π/360) = 4e-5 (circle) or ~3e-3 at worst (sphere, 800
// points, gaps ~0.075 rad) of the ball's.
Eigen::MatrixXd sphere_points(int dimension, double radius) {
    if (dimension == 2) {
        const int m = 360;
        Eigen::MatrixXd p(m, 2);
        for (int i = 0; i < m; ++i) {
            const double a = 2.0 * std::numbers::pi * i / m;
            p.row(i) << radius * std::cos(a), radius * std::sin(a);
        }
        return p;
    }
    const int m = 800;
    Eigen::MatrixXd p(m, 3);
    const double golden = std::numbers::pi * (3.0 - std::sqrt(5.0));
    for (int i = 0; i < m; ++i) {
        const double z = 1.0 - 2.0 * (i + 0.5) / m, r = std::sqrt(1.0 - z * z);
        p.row(i) << radius * r * std::cos(golden * i), radius * r * std::sin(golden * i),
            radius * z;
    }
    return p;
}

// P Gaussian clouds of m points around Gaussian centres in N dimensions; `spread` is the
// clouds' radius in units of the centres' typical norm √N.
std::vector<Eigen::MatrixXd> gaussian_clouds(int p, int m, int n, double spread,
                                             k::CounterRng& rng) {
    std::vector<Eigen::MatrixXd> out;
    for (int i = 0; i < p; ++i) {
        const Eigen::MatrixXd centre = test::gaussian_matrix(1, n, rng);
        Eigen::MatrixXd x = test::gaussian_matrix(m, n, rng) * spread;
        x.rowwise() += centre.row(0);
        out.push_back(std::move(x));
    }
    return out;
}

} // namespace

TEST_CASE("Ball capacity: closed forms and scipy's mean-field integral", "[manifold_capacity]") {
    const std::vector<std::pair<double, int>> cases = {{1.0, 1}, {1.0, 3},  {0.5, 2},
                                                       {2.0, 3}, {1.5, 10}, {1.5, 200}};
    std::vector<std::string> args;
    for (const auto& [r, d] : cases) {
        args.push_back(std::to_string(r));
        args.push_back(std::to_string(d));
    }
    const auto ref = test::parse_doubles(test::run_python(ball_script, args));
    REQUIRE(ref.size() == cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
        INFO("R = " << cases[i].first << ", D = " << cases[i].second);
        // Simpson on 8000 intervals against adaptive quad at 1e-11: both ≲ 1e-10 relative.
        CHECK(k::ball_capacity(cases[i].first, cases[i].second) == Approx(ref[i]).epsilon(1e-8));
    }
    // Radius 1: exactly 2/(D + 1) (the ball's cone is self-dual).
    for (const int d : {1, 2, 3, 10, 100})
        CHECK(k::ball_capacity(1.0, d) == Approx(2.0 / (d + 1)).epsilon(1e-9));
    // Points and large D: α = 2; (1 + R²)/(R² D) up to O(1/√D) corrections (0.4 % at D = 1000).
    CHECK(k::ball_capacity(0.0, 5) == 2.0);
    CHECK(k::ball_capacity(1.3, 0) == 2.0);
    CHECK(k::ball_capacity(1.5, 1000) ==
          Approx((1 + 1.5 * 1.5) / (1.5 * 1.5 * 1000)).epsilon(0.01));
}

TEST_CASE("Capacity of points is 2", "[manifold_capacity]") {
    // 40 single-point manifolds: each anchor is the point, α⁻¹ = ⟨max(t₀, 0)²⟩ = 1/2. With
    // 5000 samples per manifold the per-sample SD is √1.25, so α⁻¹ has relative SE 0.5 %; the
    // tolerance is 2 % (4 SE).
    k::CounterRng rng(61, 1);
    std::vector<Eigen::MatrixXd> points;
    for (int i = 0; i < 40; ++i)
        points.push_back(test::gaussian_matrix(1, 60, rng));
    k::ManifoldCapacityOptions options;
    options.samples = 5000;
    options.remove_centre_correlations = false; // a point is its own centre: nothing to change
    const auto c = k::manifold_capacity(points, options, rng);
    INFO("alpha " << c.capacity);
    CHECK(c.capacity == Approx(2.0).epsilon(0.02));
    CHECK(c.radius == 0.0);
    CHECK(c.dimension == 0.0);
}

TEST_CASE("Capacity of balls and spheres matches the mean-field integral", "[manifold_capacity]") {
    // Sampled circles and spheres (hull within 0.3 % of the ball's), 100 000 Gaussian t each.
    // The per-sample contribution has relative SD 0.9–1.6 in these cases (from the integral's
    // three regimes), so α⁻¹ has SE ≤ 0.5 %; the tolerance is 2 % (≥ 4 SE). Measured during
    // development: +0.16 %, −0.04 %, −0.3 %, −0.5 %.
    const std::vector<std::pair<double, int>> cases = {{1.0, 2}, {1.0, 3}, {0.5, 2}, {2.0, 3}};
    std::vector<std::string> args;
    for (const auto& [r, d] : cases) {
        args.push_back(std::to_string(r));
        args.push_back(std::to_string(d));
    }
    const auto ref = test::parse_doubles(test::run_python(ball_script, args));
    REQUIRE(ref.size() == cases.size());
    k::CounterRng rng(61, 2);
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto [radius, d] = cases[i];
        const Eigen::MatrixXd t = test::gaussian_matrix(100000, d + 1, rng);
        const auto g = k::anchor_geometry(sphere_points(d, radius), t);
        INFO("R = " << radius << ", D = " << d << ": alpha " << g.capacity << " vs " << ref[i]);
        CHECK(g.capacity == Approx(ref[i]).epsilon(0.02));
        if (radius == 1.0) CHECK(g.capacity == Approx(2.0 / (d + 1)).epsilon(0.02));
        CHECK(g.radius <= radius * (1 + 1e-12)); // anchors lie in the hull
        CHECK(g.dimension <= d + 0.1);
    }
}

TEST_CASE("Anchor points equal a numpy port of mftma with scipy's NNLS", "[manifold_capacity]") {
    k::CounterRng rng(61, 3);
    const Eigen::MatrixXd points = test::gaussian_matrix(24, 10, rng) * 0.4;
    const Eigen::MatrixXd t = test::gaussian_matrix(300, 11, rng);
    test::TempDir dir("anchor");
    test::write_matrix(dir / "points.txt", points);
    test::write_matrix(dir / "t.txt", t);
    for (const double margin : {0.0, 0.3}) {
        const auto ref = test::parse_doubles(test::run_python(
            test::python_matrix_io() + anchor_script,
            {(dir / "points.txt").string(), (dir / "t.txt").string(), std::to_string(margin)}));
        REQUIRE(ref.size() == 5);
        const auto g = k::anchor_geometry(points, t, margin);
        // The anchor s̃ = Sz/Σz is unique (the projection of t onto a convex cone is, and Σz is
        // its last coordinate), so the two NNLS solvers differ only by rounding in small,
        // well-conditioned least-squares solves: 1e-9 relative on every statistic.
        CHECK(g.capacity == Approx(ref[0]).epsilon(1e-9));
        CHECK(g.radius == Approx(ref[1]).epsilon(1e-9));
        CHECK(g.dimension == Approx(ref[2]).epsilon(1e-9));
        CHECK(g.radius_mftma == Approx(ref[3]).epsilon(1e-9));
        CHECK(g.dimension_mftma == Approx(ref[4]).epsilon(1e-9));
    }
}

TEST_CASE("Separability is exact: Cover's count of dichotomies", "[manifold_capacity]") {
    // P points in general position in N dimensions have exactly C(P, N) = 2 Σ_{k<N} C(P−1, k)
    // dichotomies separable by a hyperplane through the origin (Cover 1965): 92 of 1024 here.
    k::CounterRng rng(61, 4);
    const int p = 10, n = 3;
    const Eigen::MatrixXd x = test::gaussian_matrix(p, n, rng);
    int separable = 0;
    for (int code = 0; code < (1 << p); ++code) {
        Eigen::VectorXd labels(p);
        for (int i = 0; i < p; ++i)
            labels(i) = (code >> i) & 1 ? 1.0 : -1.0;
        separable += k::separable_through_origin(x, labels);
    }
    CHECK(separable == 2 * (1 + 9 + 36));
}

TEST_CASE("Mean-field capacity agrees with simulation capacity on Gaussian clouds",
          "[manifold_capacity]") {
    // 20 clouds of 32 points in 80 dimensions, cloud radius 6 against centre norms ~9 (α ≈ 0.4,
    // n_c ≈ 50). Tolerance 5 %: n_c is an integer (2 % per step) found from 101 dichotomies per
    // n (the separable fraction's SE 0.05 moves n_c by about ±1), P = 20 is far from the
    // thermodynamic limit, and 1000 t per manifold leave ~1.5 % SE on α_M. Seeds 1–3 of this
    // setup gave ratios 1.010, 1.022, 1.023 during development.
    k::CounterRng rng(61, 5);
    const auto clouds = gaussian_clouds(20, 32, 80, 6.0 / std::sqrt(80.0), rng);
    k::ManifoldCapacityOptions options;
    options.samples = 1000;
    const auto mft = k::manifold_capacity(clouds, options, rng);
    k::SimulationCapacityOptions sim_options;
    sim_options.dichotomies = 101;
    const auto sim = k::simulation_capacity(clouds, sim_options, rng);
    INFO("MFT " << mft.capacity << " (R " << mft.radius << ", D " << mft.dimension << ", K "
                << mft.removed_rank << "), simulation " << sim.capacity << " (n_c "
                << sim.critical_dimension << ")");
    REQUIRE(sim.critical_dimension > 0);
    CHECK(mft.capacity == Approx(sim.capacity).epsilon(0.05));
    CHECK(mft.removed_rank >= 1);
    CHECK(mft.centre_correlation_after <= mft.centre_correlation_before * 1.2);
}

TEST_CASE("Capacity bits do not depend on the thread count", "[manifold_capacity]") {
    k::CounterRng data_rng(61, 6);
    const auto clouds = gaussian_clouds(8, 10, 30, 0.3, data_rng);
    auto run = [&](int threads) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
        k::CounterRng rng(7, 7);
        k::ManifoldCapacityOptions options;
        options.samples = 150;
        const auto mft = k::manifold_capacity(clouds, options, rng);
        k::SimulationCapacityOptions sim_options;
        sim_options.dichotomies = 21;
        const auto sim = k::simulation_capacity(clouds, sim_options, rng);
        return std::tuple{mft.capacity_each, mft.radius_each, mft.dimension_each,
                          sim.separable_fraction, sim.critical_dimension};
    };
    CHECK(run(1) == run(2));
}

TEST_CASE("Capacity input checks", "[manifold_capacity]") {
    k::CounterRng rng(1, 1);
    k::ManifoldCapacityOptions options;
    CHECK_THROWS_AS(k::manifold_capacity({Eigen::MatrixXd::Ones(3, 4)}, options, rng),
                    std::invalid_argument);
    CHECK_THROWS_AS(k::manifold_capacity({Eigen::MatrixXd::Ones(3, 4), Eigen::MatrixXd::Ones(3, 5)},
                                         options, rng),
                    std::invalid_argument);
    CHECK_THROWS_AS(k::anchor_geometry(Eigen::MatrixXd::Ones(3, 4), Eigen::MatrixXd::Ones(5, 4)),
                    std::invalid_argument);
    CHECK_THROWS_AS(k::ball_capacity(-1.0, 2), std::invalid_argument);
}
