#include <catch2/catch.hpp>

#include <cmath>
#include <utility>

#include "kernels/moments.hpp"
#include "kernels/participation_ratio.hpp"
#include "kernels/pca.hpp"
#include "kernels/rng.hpp"
#include "tests/unit/reference_data.hpp"

using neuropop::kernels::CounterRng;
using neuropop::kernels::Moments;
using neuropop::kernels::participation_ratio;
using neuropop::kernels::participation_ratio_split_half;

TEST_CASE("participation ratio closed forms", "[participation_ratio]") {
    // Each case is a few dozen flops on exact or nearly exact inputs: 1e-12 relative.
    SECTION("isotropic covariance: PR = N") {
        for (int n : {1, 3, 50}) {
            const Eigen::MatrixXd cov = 2.5 * Eigen::MatrixXd::Identity(n, n);
            CHECK(participation_ratio(cov) == Approx(n).epsilon(1e-12));
            CHECK(participation_ratio(Eigen::VectorXd(Eigen::VectorXd::Constant(n, 2.5))) ==
                  Approx(n).epsilon(1e-12));
        }
    }
    SECTION("rank one: PR = 1") {
        const Eigen::Vector4d v(1.0, -2.0, 0.5, 3.0);
        CHECK(participation_ratio(Eigen::MatrixXd(v * v.transpose())) ==
              Approx(1.0).epsilon(1e-12));
    }
    SECTION("two equal eigenvalues among zeros: PR = 2") {
        CHECK(participation_ratio(Eigen::VectorXd(Eigen::Vector4d(3, 3, 0, 0))) ==
              Approx(2.0).epsilon(1e-12));
    }
    SECTION("eigenvalue and matrix forms agree on a random covariance") {
        CounterRng rng(3, 1);
        const Eigen::MatrixXd x = neuropop::test::gaussian_matrix(200, 12, rng);
        const Moments m = Moments::of(x);
        const auto p = neuropop::kernels::pca(m, 12);
        // tr(C)² / tr(C²) and (Σλ)² / Σλ² are equal in exact arithmetic; the eigen-solver's
        // backward error (~1e-15 relative) is the only difference.
        CHECK(participation_ratio(m.covariance()) ==
              Approx(participation_ratio(p.eigenvalues)).epsilon(1e-12));
        // The split-half form with C_A = C_B = C is the plug-in form.
        CHECK(participation_ratio_split_half(m.covariance(), m.covariance(), m.covariance()) ==
              Approx(participation_ratio(m.covariance())).epsilon(1e-12));
    }
    SECTION("the samples form equals the covariance form, narrow and wide") {
        // tr(C)² / tr(C_A C_B) from covariances vs from ‖X_A X_Bᵀ‖²: equal in exact arithmetic;
        // both sum O(n p) products of O(1) terms, so 1e-11 relative is rounding with margin.
        for (const auto& [rows, cols] : {std::pair{60, 8}, std::pair{16, 300}}) {
            CounterRng rng(17, static_cast<std::uint64_t>(cols));
            Eigen::MatrixXd x = neuropop::test::gaussian_matrix(rows, cols, rng);
            x.col(0) *= 4.0;
            x.rowwise() += Eigen::RowVectorXd::LinSpaced(cols, 2.0, 9.0);
            const Eigen::MatrixXd a = x.topRows(rows / 2), b = x.bottomRows(rows - rows / 2);
            INFO(rows << " × " << cols);
            CHECK(neuropop::kernels::participation_ratio_split_half_samples(x, a, b) ==
                  Approx(participation_ratio_split_half(Moments::of(x).covariance(),
                                                        Moments::of(a).covariance(),
                                                        Moments::of(b).covariance()))
                      .epsilon(1e-11));
        }
        // A half with one sample has no covariance: NaN, like the callers of the matrix form.
        const Eigen::MatrixXd x = Eigen::MatrixXd::Random(5, 3);
        CHECK(std::isnan(neuropop::kernels::participation_ratio_split_half_samples(
            x, x.topRows(1), x.bottomRows(4))));
        CHECK_THROWS_AS(neuropop::kernels::participation_ratio_split_half_samples(x, x.leftCols(2),
                                                                                  x.rightCols(3)),
                        std::invalid_argument);
    }
    SECTION("degenerate inputs") {
        CHECK(std::isnan(participation_ratio(Eigen::MatrixXd::Zero(3, 3).eval())));
        CHECK(std::isnan(participation_ratio_split_half(Eigen::MatrixXd::Identity(2, 2),
                                                        Eigen::MatrixXd::Identity(2, 2),
                                                        -Eigen::MatrixXd::Identity(2, 2))));
        CHECK_THROWS_AS(participation_ratio(Eigen::MatrixXd::Zero(2, 3).eval()),
                        std::invalid_argument);
        CHECK_THROWS_AS(participation_ratio_split_half(Eigen::MatrixXd::Identity(2, 2),
                                                       Eigen::MatrixXd::Identity(3, 3),
                                                       Eigen::MatrixXd::Identity(2, 2)),
                        std::invalid_argument);
    }
}

TEST_CASE("split-half participation ratio is less biased than the plug-in",
          "[participation_ratio]") {
    // Gaussian samples with covariance diag(1/i), i = 1..40: PR = (Σ 1/i)² / Σ 1/i² = 11.30.
    // P = 100 samples (halves of 50), R = 200 independent draws.
    const int n = 40, samples = 100, draws = 200;
    Eigen::VectorXd lambda(n);
    for (int i = 0; i < n; ++i)
        lambda(i) = 1.0 / (i + 1);
    const double truth = lambda.sum() * lambda.sum() / lambda.squaredNorm();
    // Wishart with ν = P − 1: E tr(Ĉ²) = (1 + 1/ν) tr(C²) + tr(C)²/ν, so the plug-in PR sits near
    // tr(C)² / E tr(Ĉ²) = 10.05 (11% low); E tr(C_A C_B) = tr(C²) exactly.
    const double nu = samples - 1;
    const double plug_in_expected =
        lambda.sum() * lambda.sum() /
        ((1 + 1 / nu) * lambda.squaredNorm() + lambda.sum() * lambda.sum() / nu);

    double plug_sum = 0, split_sum = 0, plug_sq = 0, split_sq = 0;
    for (int r = 0; r < draws; ++r) {
        CounterRng rng(2019, static_cast<std::uint64_t>(r));
        const Eigen::MatrixXd x =
            neuropop::test::gaussian_matrix(samples, n, rng) * lambda.cwiseSqrt().asDiagonal();
        const Eigen::MatrixXd c = Moments::of(x).covariance();
        const Eigen::MatrixXd a = Moments::of(x.topRows(samples / 2)).covariance();
        const Eigen::MatrixXd b = Moments::of(x.bottomRows(samples / 2)).covariance();
        const double plug = participation_ratio(c), split = participation_ratio_split_half(c, a, b);
        plug_sum += plug;
        split_sum += split;
        plug_sq += plug * plug;
        split_sq += split * split;
    }
    const double plug_mean = plug_sum / draws, split_mean = split_sum / draws;
    const double plug_se = std::sqrt((plug_sq / draws - plug_mean * plug_mean) / draws);
    const double split_se = std::sqrt((split_sq / draws - split_mean * split_mean) / draws);
    INFO("truth " << truth << ", plug-in " << plug_mean << " ± " << plug_se << " (Wishart "
                  << plug_in_expected << "), split-half " << split_mean << " ± " << split_se);
    // The plug-in mean lies within 5 SE plus 3% (the ratio-of-expectations approximation is
    // first order in 1/ν) of the Wishart value, and more than 5 SE below the truth.
    CHECK(std::abs(plug_mean - plug_in_expected) <= 5 * plug_se + 0.03 * plug_in_expected);
    CHECK(truth - plug_mean > 5 * plug_se);
    // The split-half ratio keeps only a second-order bias (E[1/Y] > 1/E[Y] for the random
    // denominator, CV of tr(C_A C_B) ≈ 12% here, so ≈ +1.5%): within 5 SE + 3% of the truth, and
    // its bias under half of the plug-in's.
    CHECK(std::abs(split_mean - truth) <= 5 * split_se + 0.03 * truth);
    CHECK(std::abs(split_mean - truth) < 0.5 * std::abs(plug_mean - truth));
}
