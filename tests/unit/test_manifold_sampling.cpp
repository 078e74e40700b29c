// docs/ANALYSES.md §4: on synthetic isotropic Gaussian manifolds (N = 500 units, D = 50
// axes, centroids 1 apart, equal radii 1.5 or 2.0) the full finite-m prediction agrees with the
// empirical m-shot error when each manifold has 2 000 samples; with 200 samples the plug-in
// dimension is biased low (Marchenko–Pastur) and the prediction overshoots, and the split-half
// dimension narrows that gap.

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "kernels/manifold.hpp"
#include "kernels/rng.hpp"
#include "tests/unit/reference_data.hpp"

namespace k = neuropop::kernels;
namespace test = neuropop::test;

namespace {

constexpr int units = 500, axes = 50;

// Two manifolds of `samples` points: D = 50 axes of variance radius²/D each (so R² = Σλ =
// radius²) in independent random subspaces, centroids 1 apart (signal = 1/radius²).
std::vector<Eigen::MatrixXd> manifolds(int samples, double radius, k::CounterRng& rng) {
    std::vector<Eigen::MatrixXd> xs;
    const double sd = radius / std::sqrt(static_cast<double>(axes));
    for (int a = 0; a < 2; ++a) {
        const Eigen::MatrixXd basis = test::random_orthogonal(units, rng).leftCols(axes);
        xs.push_back(sd * test::gaussian_matrix(samples, axes, rng) * basis.transpose());
    }
    xs[1].rowwise() += test::random_orthogonal(units, rng).row(0);
    return xs;
}

} // namespace

TEST_CASE(
    "few-shot theory matches simulation on 2 000-sample isotropic manifolds of radii 1.5 and 2",
    "[manifold]") {
    for (double radius : {1.5, 2.0}) {
        k::CounterRng rng(91, static_cast<std::uint64_t>(radius * 10));
        k::ManifoldOptions opt;
        opt.shots = {1, 2, 5, 10};
        // With m = 1 an episode's prototypes are single samples, so episodes differ a lot (sd of
        // an episode's error ~0.15 at these radii); 1 000 episodes bring the empirical error's
        // sd to ~0.005, inside the 0.02 agreement docs/ANALYSES.md states for P = 2 000.
        opt.episodes = 1000;
        const auto g = k::manifold_geometry(manifolds(2000, radius, rng), opt, rng);
        for (int a = 0; a < 2; ++a) {
            CHECK(g.at(g.signal, a, 1 - a) == Approx(1 / (radius * radius)).epsilon(0.05));
            for (int s = 0; s < 4; ++s) {
                const double pred = g.at(g.predicted_error, a, 1 - a, s);
                const double emp = g.at(g.empirical_error, a, 1 - a, s);
                INFO("radius " << radius << ", pair " << a
                               << ", m = " << opt.shots[static_cast<std::size_t>(s)]
                               << ": predicted " << pred << ", empirical " << emp);
                CHECK(std::abs(pred - emp) < 0.02);
                if (s == 0) CHECK(emp > 0.05); // hard enough for the comparison to mean something
            }
        }
    }
}

TEST_CASE("with 200 samples the split-half dimension narrows the plug-in prediction's overshoot",
          "[manifold]") {
    // One sample of 200 points per manifold gives one realisation of the bias plus episode noise
    // (measured overshoot 0.006-0.031 over seeds at radius 1.5), so the gaps are averaged over
    // six independent datasets and both ordered pairs: 12 pairs, sd of the mean gap ~0.003.
    double gap_plug = 0, gap_split = 0;
    int pairs = 0;
    for (std::uint64_t seed = 0; seed < 6; ++seed) {
        k::CounterRng rng(92, seed);
        const auto xs = manifolds(200, 1.5, rng);
        k::ManifoldOptions plug;
        plug.shots = {1};
        plug.episodes = 400;
        k::ManifoldOptions split = plug;
        split.split_half_dimension = true;
        // The same draws for both: the empirical error is then identical and only the
        // prediction differs.
        k::CounterRng r1(93, seed), r2(93, seed);
        const auto a = k::manifold_geometry(xs, plug, r1);
        const auto b = k::manifold_geometry(xs, split, r2);
        for (int m = 0; m < 2; ++m) {
            // Plug-in D from 200 samples of a 50-dim manifold is biased low (about 40); the
            // split-half estimate is not.
            CHECK(a.dimension(m) < 45.0);
            CHECK(std::abs(a.dimension_split(m) - axes) < std::abs(a.dimension(m) - axes));
            const double emp = a.at(a.empirical_error, m, 1 - m, 0);
            REQUIRE(b.at(b.empirical_error, m, 1 - m, 0) == emp);
            gap_plug += a.at(a.predicted_error, m, 1 - m, 0) - emp;
            gap_split += b.at(b.predicted_error, m, 1 - m, 0) - emp;
            ++pairs;
        }
    }
    gap_plug /= pairs;
    gap_split /= pairs;
    INFO("mean m = 1 overshoot: plug-in " << gap_plug << ", split-half " << gap_split);
    CHECK(gap_plug > 0.01); // the overshoot docs/ANALYSES.md describes (up to ~0.03 at m = 1)
    CHECK(std::abs(gap_split) < 0.6 * gap_plug);
}
