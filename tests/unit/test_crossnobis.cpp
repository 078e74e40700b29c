#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/LU>
#include <tbb/global_control.h>

#include "kernels/crossnobis.hpp"
#include "kernels/ledoit_wolf.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"
#include "tests/unit/reference_data.hpp"

namespace k = neuropop::kernels;
namespace test = neuropop::test;

namespace {

// The same lines in numpy + scikit-learn, per fold: the training trials' residuals about their
// training condition means, ledoit_wolf, explicit inverse, rescaled to P_train − K degrees of
// freedom; the mean of the folds' distances and of their δ.
const char* reference_script = R"PY(
import sys
import numpy as np
from sklearn.covariance import ledoit_wolf
x = read_matrix(sys.argv[1]); lab = read_matrix(sys.argv[2]).ravel().astype(int)
fold = read_matrix(sys.argv[3]).ravel().astype(int)
K, F, (P, N) = lab.max() + 1, fold.max() + 1, x.shape
rdm = np.zeros((K, K)); deltas = []
for f in range(F):
    tr = fold != f
    a = np.array([x[(lab == c) & tr].mean(0) for c in range(K)])
    b = np.array([x[(lab == c) & ~tr].mean(0) for c in range(K)])
    cov, delta = ledoit_wolf(x[tr] - a[lab[tr]])
    deltas.append(delta)
    pt = tr.sum()
    prec = np.linalg.inv(cov * pt / (pt - K))
    for i in range(K):
        for j in range(K):
            rdm[i, j] += (a[i] - a[j]) @ prec @ (b[i] - b[j]) / N
print(np.mean(deltas), *(rdm / F).ravel())
)PY";

struct Design {
    std::vector<int> labels, folds;
};

// `per_condition` trials of each of k conditions; fold = index within the condition mod f.
Design design(int k, int per_condition, int f) {
    Design d;
    for (int c = 0; c < k; ++c)
        for (int t = 0; t < per_condition; ++t) {
            d.labels.push_back(c);
            d.folds.push_back(t % f);
        }
    return d;
}

Eigen::MatrixXd as_column(const std::vector<int>& v) {
    Eigen::MatrixXd m(static_cast<Eigen::Index>(v.size()), 1);
    for (std::size_t i = 0; i < v.size(); ++i)
        m(static_cast<Eigen::Index>(i), 0) = v[i];
    return m;
}

} // namespace

TEST_CASE("crossnobis matches a numpy/scikit-learn reference", "[crossnobis]") {
    // Both routes: N ≤ P_train (direct Cholesky; 12 units, 40 training trials) and N > P_train
    // (Gram matrix + Woodbury; 90 units, 24 or 28 training trials).
    for (const auto& [units, per_condition] : {std::pair{12, 15}, std::pair{90, 10}}) {
        INFO("units " << units << ", trials per condition " << per_condition);
        const int kc = 4, f = 3;
        const Design d = design(kc, per_condition, f);
        k::CounterRng rng(21, static_cast<std::uint64_t>(units));
        Eigen::MatrixXd x = test::gaussian_matrix(kc * per_condition, units, rng);
        // Correlated noise (a random mixing) plus distinct condition means.
        x = x * (Eigen::MatrixXd::Identity(units, units) +
                 0.3 * test::gaussian_matrix(units, units, rng) / std::sqrt(units));
        const Eigen::MatrixXd means = test::gaussian_matrix(kc, units, rng);
        for (std::size_t t = 0; t < d.labels.size(); ++t)
            x.row(static_cast<Eigen::Index>(t)) += means.row(d.labels[t]);

        test::TempDir dir("crossnobis");
        test::write_matrix(dir / "x.txt", x);
        test::write_matrix(dir / "labels.txt", as_column(d.labels));
        test::write_matrix(dir / "folds.txt", as_column(d.folds));
        const auto ref = test::parse_doubles(
            test::run_python(test::python_matrix_io() + reference_script,
                             {(dir / "x.txt").string(), (dir / "labels.txt").string(),
                              (dir / "folds.txt").string()}));
        REQUIRE(ref.size() == 1 + kc * kc);

        const auto result = k::crossnobis_rdm(x, d.labels, d.folds);
        // δ and the distances come through different but well-conditioned algebra (Gram
        // identities and Woodbury vs. explicit N × N inverse; shrunk covariance condition number
        // is O(10)): agreement to ~1e-13, checked at 1e-9 relative.
        CHECK(result.shrinkage == Approx(ref[0]).epsilon(1e-9)); // mean δ over the folds
        CHECK(result.shrinkage > 0.0);
        for (int i = 0; i < kc; ++i)
            for (int j = 0; j < kc; ++j)
                CHECK(result.rdm(i, j) ==
                      Approx(ref[static_cast<std::size_t>(1 + i * kc + j)]).epsilon(1e-9));
    }
}

TEST_CASE("crossnobis is unbiased and can be negative", "[crossnobis]") {
    // Replicated synthetic Gaussian data with known means. Conditions 0 and 1 are identical;
    // 2 is apart. The check is |mean − truth| < 4 standard errors, the standard error taken from
    // the replicates' own sd (a two-sided 4-sigma band: false alarm 6e-5 for an unbiased
    // estimator; the seeds are fixed, so the outcome is deterministic). P = 120 trials against
    // N = 10 units: the shrunk precision's own estimation bias (E Σ̂⁻¹ ≠ Σ⁻¹) is O(N/P); at
    // P = 36, N = 20 it inflated the distances by ~15 % (3 standard errors) in a check here.
    const int kc = 3, per_condition = 40, f = 4, units = 10, replicates = 400;
    const Design d = design(kc, per_condition, f);
    const double sigma = 1.5;
    Eigen::MatrixXd means = Eigen::MatrixXd::Zero(kc, units);
    means.row(2).setConstant(0.4); // ‖μ2 − μ0‖² / N = 0.16
    Eigen::VectorXd unit_sd(units);
    for (int u = 0; u < units; ++u)
        unit_sd(u) = 0.5 + 0.1 * u; // anisotropic for the Λ = I case

    for (const auto noise : {k::CrossnobisNoise::Identity, k::CrossnobisNoise::LedoitWolf}) {
        const bool lw = noise == k::CrossnobisNoise::LedoitWolf;
        INFO((lw ? "Ledoit-Wolf noise (isotropic data)" : "identity noise (anisotropic data)"));
        // With Λ = I the truth is ‖δ‖²/N for any noise; with the shrunk precision it is
        // ‖δ‖²/(σ²N) for isotropic noise σ²I, where shrinkage toward the identity is harmless.
        const double truth_far = lw ? 0.16 / (sigma * sigma) : 0.16;
        std::vector<double> same, far;
        for (int r = 0; r < replicates; ++r) {
            k::CounterRng rng(31, static_cast<std::uint64_t>(r), lw ? 1 : 0);
            Eigen::MatrixXd x = test::gaussian_matrix(kc * per_condition, units, rng);
            if (lw)
                x *= sigma;
            else
                x = x * unit_sd.asDiagonal();
            for (std::size_t t = 0; t < d.labels.size(); ++t)
                x.row(static_cast<Eigen::Index>(t)) += means.row(d.labels[t]);
            const auto rdm = k::crossnobis_rdm(x, d.labels, d.folds, noise).rdm;
            same.push_back(rdm(0, 1));
            far.push_back(rdm(0, 2));
            CHECK(rdm(0, 1) == rdm(1, 0)); // symmetric by construction
        }
        const auto mean_and_se = [](const std::vector<double>& v) {
            double m = 0.0, s = 0.0;
            for (double x : v)
                m += x;
            m /= static_cast<double>(v.size());
            for (double x : v)
                s += (x - m) * (x - m);
            return std::pair{m, std::sqrt(s / static_cast<double>(v.size() - 1) /
                                          static_cast<double>(v.size()))};
        };
        const auto [m_same, se_same] = mean_and_se(same);
        const auto [m_far, se_far] = mean_and_se(far);
        INFO("identical: " << m_same << " ± " << se_same << ", apart: " << m_far << " ± " << se_far
                           << " (truth " << truth_far << ")");
        CHECK(std::abs(m_same) < 4.0 * se_same);
        CHECK(std::abs(m_far - truth_far) < 4.0 * se_far);
        // The standard error must be small enough for the check to mean something.
        CHECK(se_far < 0.1 * truth_far);
        // Unbiased for identical conditions implies negative values; expect many (about half).
        const auto negatives =
            std::count_if(same.begin(), same.end(), [](double v) { return v < 0; });
        CHECK(negatives > replicates / 4);
    }
}

TEST_CASE("crossnobis of identical conditions is zero on average (noise estimated per fold)",
          "[crossnobis]") {
    // Null data: 8 conditions with the same mean, 20 trials each, 5 folds, Gaussian noise with
    // a fixed non-identity covariance L Lᵀ (L = I + 0.5 · random / √N). Both routes: 40 units
    // (Cholesky, N ≤ P_train = 128) and 150 units (Gram + Woodbury, N > P_train). Estimating Λ
    // from all trials biased the mean distance upwards (header of kernels/crossnobis.hpp); with
    // the per-fold estimate E[d] = 0 exactly.
    //
    // Statistic: per replicate, the mean of the 28 off-diagonal distances (correlated within
    // a replicate, so they are averaged first); over 300 independent replicates (different
    // seeds) its mean m and standard error se = sd / √300. Check |m| < 3 se: a two-sided
    // 3-sigma band, false alarm 0.3 % for an unbiased estimator; the seeds are fixed, so the
    // outcome is deterministic.
    const int kc = 8, per_condition = 20, f = 5, replicates = 300;
    const Design d = design(kc, per_condition, f);
    for (const int units : {40, 133, 150}) {
        INFO(units << " units");
        k::CounterRng mix_rng(51, static_cast<std::uint64_t>(units));
        const Eigen::MatrixXd mixing =
            Eigen::MatrixXd::Identity(units, units) +
            0.5 * test::gaussian_matrix(units, units, mix_rng) / std::sqrt(units);
        std::vector<double> means;
        for (int r = 0; r < replicates; ++r) {
            k::CounterRng rng(52, static_cast<std::uint64_t>(r), static_cast<std::uint64_t>(units));
            const Eigen::MatrixXd x =
                test::gaussian_matrix(kc * per_condition, units, rng) * mixing.transpose();
            const auto rdm = k::crossnobis_rdm(x, d.labels, d.folds).rdm;
            // Zero diagonal: the off-diagonal mean is the full sum over K(K − 1) entries.
            means.push_back(rdm.sum() / (kc * (kc - 1)));
        }
        double m = 0.0, s = 0.0;
        for (double v : means)
            m += v;
        m /= replicates;
        for (double v : means)
            s += (v - m) * (v - m);
        const double se = std::sqrt(s / (replicates - 1) / replicates);
        INFO("mean off-diagonal distance " << m << " ± " << se << " (se)");
        CHECK(std::abs(m) < 3.0 * se);
        // The band must be narrow enough to exclude a bias of the all-trial rule's size: with
        // these seeds and design that rule gave 0.0141 ± 0.0006 (40 units) and 0.0241 ± 0.0003
        // (150 units), measured by running the previous kernel on the same draws; 3 se must
        // stay below half the smaller.
        CHECK(3.0 * se < 0.007);
    }
}

TEST_CASE("crossnobis averages all folds and rejects bad designs", "[crossnobis]") {
    const int kc = 2, per_condition = 6, units = 5;
    const Design d = design(kc, per_condition, 3);
    k::CounterRng rng(41, 1);
    const Eigen::MatrixXd x = test::gaussian_matrix(kc * per_condition, units, rng);
    // Identity noise, computed here fold by fold: the result is the mean of the three folds,
    // not the last fold alone (rsatoolbox's poisson_cv trap).
    double sum = 0.0, last = 0.0;
    for (int f = 0; f < 3; ++f) {
        Eigen::VectorXd a = Eigen::VectorXd::Zero(units), b = Eigen::VectorXd::Zero(units);
        double na = 0, nb = 0;
        for (std::size_t t = 0; t < d.labels.size(); ++t) {
            const double s = d.labels[t] == 0 ? 1.0 : -1.0; // a_0 − a_1 accumulated by sign
            const Eigen::VectorXd row = x.row(static_cast<Eigen::Index>(t)).transpose();
            if (d.folds[t] == f) {
                b += s * row;
                nb += d.labels[t] == 0 ? 1 : 0;
            } else {
                a += s * row;
                na += d.labels[t] == 0 ? 1 : 0;
            }
        }
        // Balanced design: each condition has na trials outside and nb inside the fold.
        last = (a / na).dot(b / nb) / units;
        sum += last;
    }
    const double got =
        k::crossnobis_rdm(x, d.labels, d.folds, k::CrossnobisNoise::Identity).rdm(0, 1);
    // A handful of roundings on O(1) values.
    CHECK(got == Approx(sum / 3.0).epsilon(1e-12));
    CHECK(got != Approx(last).epsilon(1e-6));

    std::vector<int> folds = d.folds;
    for (std::size_t t = 0; t < folds.size(); ++t)
        if (d.labels[t] == 1 && folds[t] == 2) folds[t] = 0; // condition 1 missing from fold 2
    CHECK_THROWS_AS(k::crossnobis_rdm(x, d.labels, folds), std::invalid_argument);
    const std::vector<int> one_fold(d.labels.size(), 0);
    CHECK_THROWS_AS(k::crossnobis_rdm(x, d.labels, one_fold), std::invalid_argument);
    CHECK_THROWS_AS(k::crossnobis_rdm(x.topRows(5), d.labels, d.folds), std::invalid_argument);
}

namespace {

// The definition computed the slow way, per fold, in C++: explicit training residuals,
// kernels::ledoit_wolf on them (scikit-learn's formulas, centring included), rescaled to
// P_train − K degrees of freedom, Σ̂⁻¹ by a full-matrix solve. Returns {mean δ, RDM}.
std::pair<double, Eigen::MatrixXd> crossnobis_by_definition(const Eigen::MatrixXd& x,
                                                            const std::vector<int>& labels,
                                                            const std::vector<int>& folds, int kc,
                                                            int f) {
    const Eigen::Index n = x.cols();
    Eigen::MatrixXd rdm = Eigen::MatrixXd::Zero(kc, kc);
    double delta = 0.0;
    for (int g = 0; g < f; ++g) {
        Eigen::MatrixXd a = Eigen::MatrixXd::Zero(kc, n), b = Eigen::MatrixXd::Zero(kc, n);
        Eigen::VectorXd na = Eigen::VectorXd::Zero(kc), nb = Eigen::VectorXd::Zero(kc);
        for (std::size_t t = 0; t < labels.size(); ++t) {
            const auto row = x.row(static_cast<Eigen::Index>(t));
            if (folds[t] == g) {
                b.row(labels[t]) += row;
                nb(labels[t]) += 1;
            } else {
                a.row(labels[t]) += row;
                na(labels[t]) += 1;
            }
        }
        a = na.cwiseInverse().asDiagonal() * a;
        b = nb.cwiseInverse().asDiagonal() * b;
        const auto p_train = static_cast<Eigen::Index>(na.sum());
        Eigen::MatrixXd e(p_train, n);
        Eigen::Index r = 0;
        for (std::size_t t = 0; t < labels.size(); ++t)
            if (folds[t] != g) e.row(r++) = x.row(static_cast<Eigen::Index>(t)) - a.row(labels[t]);
        const k::ShrunkCovariance lw = k::ledoit_wolf(e);
        delta += lw.shrinkage;
        const double pt = static_cast<double>(p_train);
        const Eigen::MatrixXd m =
            a * lw.covariance.fullPivLu().solve(b.transpose()) * ((pt - kc) / pt);
        for (int i = 0; i < kc; ++i)
            for (int j = 0; j < kc; ++j)
                rdm(i, j) += (m(i, i) + m(j, j) - m(i, j) - m(j, i)) / static_cast<double>(n);
    }
    return {delta / f, rdm / f};
}

} // namespace

TEST_CASE("crossnobis from shared Gram matrices equals the definition on explicit residuals",
          "[crossnobis]") {
    // Both routes: 40 units (N ≤ P_train: per-fold unit Gram matrices), 150 units
    // (N > P_train = 131, 135, 134: one trial Gram matrix + Woodbury) and 133 units (fold 0 by
    // Woodbury, folds 1 and 2 direct); 5 conditions, 3 folds of unequal size (a few trials moved
    // between folds), so the fold-sorted layout and counts matter.
    // Condition means of size 50 on a common offset of 10³ with unit-scale noise. Measured on
    // this design in numpy against a long-double evaluation (with the shrinkage fixed): residuals
    // formed explicitly in double (the reference here) are off by ~3e-14 (40 units) and ~9e-14
    // (150 units) relative, the raw-Gram identity XᵀX − Σ n_c a_c a_cᵀ by ~5e-10 and ~9e-10
    // (ε·(10³)² cancels). The kernel centres on the condition means before its Gram products,
    // so it must stay at the explicit residuals' level.
    const int kc = 5, per_condition = 40, f = 3;
    Design d = design(kc, per_condition, f);
    for (std::size_t t = 0; t < d.folds.size(); t += 7)
        d.folds[t] = (d.folds[t] + 1) % f;
    for (const int units : {40, 133, 150}) {
        INFO(units << " units");
        k::CounterRng rng(61, static_cast<std::uint64_t>(units));
        Eigen::MatrixXd x = test::gaussian_matrix(kc * per_condition, units, rng);
        x = x * (Eigen::MatrixXd::Identity(units, units) +
                 0.4 * test::gaussian_matrix(units, units, rng) / std::sqrt(units));
        const Eigen::MatrixXd means = 50.0 * test::gaussian_matrix(kc, units, rng);
        for (std::size_t t = 0; t < d.labels.size(); ++t)
            x.row(static_cast<Eigen::Index>(t)) += means.row(d.labels[t]);
        x.array() += 1e3;

        const auto [delta, rdm] = crossnobis_by_definition(x, d.labels, d.folds, kc, f);
        const auto got = k::crossnobis_rdm(x, d.labels, d.folds);
        // 1e-11 relative: ~100× the rounding of either computation (~1e-13), ~50× below what the
        // uncentred Gram identity loses on this offset (see above).
        CHECK(got.shrinkage > 0.0);
        CHECK(got.shrinkage == Approx(delta).epsilon(1e-11));
        const double scale = rdm.cwiseAbs().maxCoeff();
        INFO("max |difference| / max |d| = " << (got.rdm - rdm).cwiseAbs().maxCoeff() / scale);
        CHECK((got.rdm - rdm).cwiseAbs().maxCoeff() < 1e-11 * scale);
    }
}

TEST_CASE("crossnobis gives the same bits on 1 and 2 threads", "[crossnobis]") {
    // 400 units: several Gram column strips per fold (parallel tasks) on the N ≤ P_train route
    // (P_train = 400), and 90 units on 60 trials for the Woodbury route.
    for (const auto& [units, per_condition] : {std::pair{400, 150}, std::pair{90, 15}}) {
        INFO(units << " units, " << per_condition << " trials per condition");
        const int kc = 4, f = 3;
        const Design d = design(kc, per_condition, f);
        k::CounterRng rng(71, static_cast<std::uint64_t>(units));
        Eigen::MatrixXd x = test::gaussian_matrix(kc * per_condition, units, rng);
        const Eigen::MatrixXd means = test::gaussian_matrix(kc, units, rng);
        for (std::size_t t = 0; t < d.labels.size(); ++t)
            x.row(static_cast<Eigen::Index>(t)) += means.row(d.labels[t]);
        k::CrossnobisResult one, two;
        {
            tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
            one = k::crossnobis_rdm(x, d.labels, d.folds);
        }
        {
            tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 2);
            two = k::crossnobis_rdm(x, d.labels, d.folds);
        }
        CHECK(one.shrinkage == two.shrinkage);
        CHECK((one.rdm.array() == two.rdm.array()).all());
        CHECK(one.rdm(0, 1) != 0.0);
    }
}
