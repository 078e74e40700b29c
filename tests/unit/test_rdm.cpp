#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/rdm.hpp"
#include "kernels/rdm_compare.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"
#include "tests/unit/reference_data.hpp"

namespace k = neuropop::kernels;
namespace test = neuropop::test;

namespace {

// scipy's pdist on the same means: sqeuclidean / N and correlation distances.
const char* rdm_script = R"PY(
import sys
from scipy.spatial.distance import pdist, squareform
m = read_matrix(sys.argv[1])
print(*squareform(pdist(m, 'sqeuclidean') / m.shape[1]).ravel())
print(*squareform(pdist(m, 'correlation')).ravel())
)PY";

// scipy.stats.spearmanr, a direct O(n²) Kendall τa and the cosine, on two upper triangles.
const char* compare_script = R"PY(
import sys
import numpy as np
from scipy.stats import spearmanr
a = read_matrix(sys.argv[1]); b = read_matrix(sys.argv[2])
iu = np.triu_indices(a.shape[0], 1)
x, y = a[iu], b[iu]
n = len(x)
s = sum(np.sign(x[i] - x[j]) * np.sign(y[i] - y[j]) for i in range(n) for j in range(i + 1, n))
print(spearmanr(x, y).correlation, s / (n * (n - 1) / 2), x @ y / np.sqrt((x @ x) * (y @ y)))
)PY";

// rsatoolbox's whitened cosine ('cosine_cov' without a pattern covariance), ported from its
// documented slow path (_cosine_cov_weighted_slow with _get_v): V = Ξ∘Ξ with Ξ = C Cᵀ, C the
// pairwise contrast matrix (+1 at i, −1 at j for each pair i < j), and the cosine of V⁻¹-weighted
// inner products — solved directly here instead of rsatoolbox's conjugate gradient.
const char* whitened_script = R"PY(
import sys
import numpy as np
a = read_matrix(sys.argv[1]); b = read_matrix(sys.argv[2])
k = a.shape[0]
iu = np.triu_indices(k, 1)
x, y = a[iu], b[iu]
c = np.zeros((len(x), k))
c[np.arange(len(x)), iu[0]] = 1.0
c[np.arange(len(x)), iu[1]] = -1.0
xi = c @ c.T
v = xi * xi
vx, vy = np.linalg.solve(v, x), np.linalg.solve(v, y)
print(x @ vy / np.sqrt((x @ vx) * (y @ vy)))
)PY";

} // namespace

TEST_CASE("RDMs on condition means match scipy pdist", "[rdm]") {
    k::CounterRng rng(11, 1);
    const Eigen::MatrixXd means = test::gaussian_matrix(7, 40, rng);
    test::TempDir dir("rdm");
    test::write_matrix(dir / "means.txt", means);
    const auto ref = test::parse_doubles(
        test::run_python(test::python_matrix_io() + rdm_script, {(dir / "means.txt").string()}));
    REQUIRE(ref.size() == 2 * 49);
    const Eigen::MatrixXd euclid = k::euclidean_rdm(means), corr = k::correlation_rdm(means);
    // Same sums of ~40 products in a different order: rounding ~1e-15 relative; distances here
    // are O(1), so 1e-12 absolute leaves ample margin.
    for (int i = 0; i < 7; ++i)
        for (int j = 0; j < 7; ++j) {
            CHECK(euclid(i, j) == Approx(ref[static_cast<std::size_t>(i * 7 + j)]).margin(1e-12));
            CHECK(corr(i, j) ==
                  Approx(ref[static_cast<std::size_t>(49 + i * 7 + j)]).margin(1e-12));
        }
}

TEST_CASE("RDM closed forms", "[rdm]") {
    // Hand-made patterns: exact in binary floating point except the correlation's division.
    Eigen::MatrixXd means(3, 4);
    means << 0, 0, 0, 0, //
        1, 1, 1, 1,      //
        1, 2, 3, 4;
    const Eigen::MatrixXd e = k::euclidean_rdm(means);
    CHECK(e(0, 1) == 1.0);        // ‖1‖² / 4
    CHECK(e(0, 2) == 30.0 / 4.0); // (1 + 4 + 9 + 16) / 4
    CHECK(e(1, 2) == 14.0 / 4.0); // (0 + 1 + 4 + 9) / 4
    CHECK(e.diagonal().isZero(0.0));
    // Correlation: a pattern against a positive affine copy is 0, against its negative 2.
    Eigen::MatrixXd p(3, 4);
    p << 1, 2, 3, 4, //
        3, 5, 7, 9,  //
        -1, -2, -3, -4;
    const Eigen::MatrixXd c = k::correlation_rdm(p);
    CHECK(c(0, 1) == Approx(0.0).margin(1e-15)); // one division's rounding
    CHECK(c(0, 2) == Approx(2.0).epsilon(1e-15));
    // A constant pattern has no correlation.
    CHECK(std::isnan(k::correlation_rdm(means)(0, 1)));
    CHECK_THROWS_AS(k::euclidean_rdm(Eigen::MatrixXd(0, 3)), std::invalid_argument);
}

TEST_CASE("RDM comparisons match scipy and a direct Kendall tau-a", "[rdm]") {
    k::CounterRng rng(11, 2);
    const int kc = 9;
    Eigen::MatrixXd data = k::euclidean_rdm(test::gaussian_matrix(kc, 20, rng));
    // A categorical model with heavy ties (two groups), where τa and τb differ.
    Eigen::MatrixXd model(kc, kc);
    for (int i = 0; i < kc; ++i)
        for (int j = 0; j < kc; ++j)
            model(i, j) = i == j ? 0.0 : ((i < 4) == (j < 4) ? 1.0 : 2.0);
    // Ties in the data as well, for the average ranks.
    data(0, 1) = data(1, 0) = data(2, 3);
    data(3, 2) = data(2, 3);
    test::TempDir dir("rdm_compare");
    test::write_matrix(dir / "a.txt", data);
    test::write_matrix(dir / "b.txt", model);
    const auto ref =
        test::parse_doubles(test::run_python(test::python_matrix_io() + compare_script,
                                             {(dir / "a.txt").string(), (dir / "b.txt").string()}));
    REQUIRE(ref.size() == 3);
    // Rank correlations of 36 values and a cosine: a few roundings each, 1e-12 relative.
    CHECK(k::compare_rdms(data, model, k::RdmComparison::Spearman) ==
          Approx(ref[0]).epsilon(1e-12));
    // Ranked once: the same operations as compare_rdms, so the same bits.
    CHECK(k::spearman(k::rank_rdm(data), k::rank_rdm(model)) ==
          k::compare_rdms(data, model, k::RdmComparison::Spearman));
    // τa is an integer count over 630 pairs: exact.
    CHECK(k::compare_rdms(data, model, k::RdmComparison::KendallTauA) == ref[1]);
    CHECK(k::compare_rdms(data, model, k::RdmComparison::Cosine) == Approx(ref[2]).epsilon(1e-12));
    // τa without tie correction can never reach 1 against a tied model.
    CHECK(k::compare_rdms(model, model, k::RdmComparison::KendallTauA) < 1.0);
    CHECK(k::compare_rdms(data, data, k::RdmComparison::KendallTauA) < 1.0);
}

TEST_CASE("Whitened cosine matches rsatoolbox's V-weighted cosine", "[rdm]") {
    k::CounterRng rng(11, 4);
    for (const int kc : {3, 6, 12}) {
        // A noisy crossnobis-like RDM (some entries negative) against a Euclidean model RDM.
        const Eigen::MatrixXd model = k::euclidean_rdm(test::gaussian_matrix(kc, 5, rng));
        Eigen::MatrixXd data = model;
        const Eigen::MatrixXd noise = test::gaussian_matrix(kc, kc, rng);
        for (int i = 0; i < kc; ++i)
            for (int j = i + 1; j < kc; ++j)
                data(i, j) = data(j, i) = model(i, j) + 0.5 * noise(i, j);
        test::TempDir dir("rdm_whitened");
        test::write_matrix(dir / "a.txt", data);
        test::write_matrix(dir / "b.txt", model);
        const auto ref = test::parse_doubles(
            test::run_python(test::python_matrix_io() + whitened_script,
                             {(dir / "a.txt").string(), (dir / "b.txt").string()}));
        REQUIRE(ref.size() == 1);
        // A direct solve with the pairs x pairs V (condition number K, at most 12 here) against
        // the closed form: both a few hundred roundings of O(1) values, 1e-10 relative.
        const double w = k::compare_rdms(data, model, k::RdmComparison::WhitenedCosine);
        CHECK(w == Approx(ref[0]).epsilon(1e-10));
        // It is a different measure from the plain cosine (V is not a multiple of I).
        CHECK(std::abs(w - k::compare_rdms(data, model, k::RdmComparison::Cosine)) > 1e-3);
        CHECK(k::compare_rdms(model, model, k::RdmComparison::WhitenedCosine) ==
              Approx(1.0).epsilon(1e-12));
    }
    // Fewer than 3 conditions leave no whitened space.
    const Eigen::MatrixXd two = Eigen::MatrixXd::Ones(2, 2) - Eigen::MatrixXd::Identity(2, 2);
    CHECK_THROWS_AS(k::compare_rdms(two, two, k::RdmComparison::WhitenedCosine),
                    std::invalid_argument);
}

TEST_CASE("RDM condition-label permutation test", "[rdm]") {
    k::CounterRng data_rng(11, 3);
    const int kc = 8;
    const Eigen::MatrixXd model = k::euclidean_rdm(test::gaussian_matrix(kc, 10, data_rng));
    const std::size_t permutations = 199;

    SECTION("null values are the model compared with jointly permuted data") {
        const Eigen::MatrixXd data = k::euclidean_rdm(test::gaussian_matrix(kc, 10, data_rng));
        k::CounterRng rng(5, 7);
        const auto result =
            k::rdm_permutation_test(data, model, k::RdmComparison::Spearman, permutations, rng);
        REQUIRE(result.null.size() == permutations);
        // Replay the same shuffles from an identical stream and compare value by value.
        k::CounterRng replay(5, 7);
        std::size_t at_least = 0;
        for (std::size_t b = 0; b < permutations; ++b) {
            std::vector<int> perm(kc);
            std::iota(perm.begin(), perm.end(), 0);
            k::shuffle(perm.begin(), perm.end(), replay);
            Eigen::MatrixXd permuted(kc, kc);
            for (int i = 0; i < kc; ++i)
                for (int j = 0; j < kc; ++j)
                    permuted(i, j) =
                        data(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(j)]);
            const double v = k::compare_rdms(permuted, model, k::RdmComparison::Spearman);
            CHECK(result.null[b] == v); // same operations in the same order: same bits
            if (v >= result.observed) ++at_least;
        }
        CHECK(result.p_value ==
              static_cast<double>(1 + at_least) / static_cast<double>(1 + permutations));
    }
    SECTION("ranked once: heavy ties, the same nulls as ranking every permuted RDM") {
        // Distances rounded to one decimal: many ties, whose average ranks must follow the
        // permutation. 40 conditions, 780 distances.
        const int kt = 40;
        Eigen::MatrixXd data = k::euclidean_rdm(test::gaussian_matrix(kt, 3, data_rng));
        Eigen::MatrixXd tied_model = k::euclidean_rdm(test::gaussian_matrix(kt, 3, data_rng));
        data = (data * 10.0).array().round() / 10.0;
        tied_model = (tied_model * 10.0).array().round() / 10.0;
        const auto rd = k::rank_rdm(data), rm = k::rank_rdm(tied_model);
        k::CounterRng rng(5, 9);
        const auto result = k::rdm_permutation_test(rd, rm, 50, rng);
        CHECK(result.observed == k::compare_rdms(data, tied_model, k::RdmComparison::Spearman));
        k::CounterRng replay(5, 9);
        for (std::size_t b = 0; b < 50; ++b) {
            std::vector<int> perm(kt);
            std::iota(perm.begin(), perm.end(), 0);
            k::shuffle(perm.begin(), perm.end(), replay);
            Eigen::MatrixXd permuted(kt, kt);
            for (int i = 0; i < kt; ++i)
                for (int j = 0; j < kt; ++j)
                    permuted(i, j) =
                        data(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(j)]);
            // Half-integer ranks: every sum is exact, so the gathered ranks give the same bits.
            CHECK(result.null[b] ==
                  k::compare_rdms(permuted, tied_model, k::RdmComparison::Spearman));
        }
        CHECK_THROWS_AS(k::spearman(rd, k::rank_rdm(model)), std::invalid_argument);
    }
    SECTION("Kendall tau-a against the model sorted once: the same nulls as compare_rdms") {
        // 30 conditions (435 distances), three cases: continuous distances; both rounded to
        // one decimal (runs of ties in the model and in the data, where a pair's order within
        // a model tie follows the permuted data); and a NaN in the data (the general path).
        const int kt = 30;
        const Eigen::MatrixXd smooth = k::euclidean_rdm(test::gaussian_matrix(kt, 3, data_rng));
        const Eigen::MatrixXd smooth_model =
            k::euclidean_rdm(test::gaussian_matrix(kt, 3, data_rng));
        const Eigen::MatrixXd tied = (smooth * 10.0).array().round() / 10.0;
        const Eigen::MatrixXd tied_model = (smooth_model * 10.0).array().round() / 10.0;
        Eigen::MatrixXd with_nan = smooth;
        with_nan(2, 5) = with_nan(5, 2) = std::nan("");
        struct Case {
            const Eigen::MatrixXd *data, *model;
        };
        for (const auto& c : {Case{&smooth, &smooth_model}, Case{&tied, &tied_model},
                              Case{&smooth, &tied_model}, Case{&with_nan, &smooth_model}}) {
            k::CounterRng rng(5, 10);
            const auto result =
                k::rdm_permutation_test(*c.data, *c.model, k::RdmComparison::KendallTauA, 60, rng);
            REQUIRE(result.null.size() == 60);
            k::CounterRng replay(5, 10);
            std::size_t at_least = 0, differ = 0;
            for (std::size_t b = 0; b < 60; ++b) {
                std::vector<int> perm(kt);
                std::iota(perm.begin(), perm.end(), 0);
                k::shuffle(perm.begin(), perm.end(), replay);
                Eigen::MatrixXd permuted(kt, kt);
                for (int i = 0; i < kt; ++i)
                    for (int j = 0; j < kt; ++j)
                        permuted(i, j) = (*c.data)(perm[static_cast<std::size_t>(i)],
                                                   perm[static_cast<std::size_t>(j)]);
                const double v = k::compare_rdms(permuted, *c.model, k::RdmComparison::KendallTauA);
                // Integer pair counts over one division: the same bits (NaN: the same path).
                if (!(result.null[b] == v || (std::isnan(v) && std::isnan(result.null[b]))))
                    ++differ;
                if (v >= result.observed) ++at_least;
            }
            CHECK(differ == 0);
            CHECK(result.p_value == static_cast<double>(1 + at_least) / 61.0);
        }
        // The tied case has ties in both (else it would not test the runs).
        CHECK(std::set<double>(tied_model.data(), tied_model.data() + tied_model.size()).size() <
              static_cast<std::size_t>(kt * (kt - 1) / 2));
    }
    SECTION("data equal to the model is significant") {
        k::CounterRng rng(5, 8);
        const auto result =
            k::rdm_permutation_test(model, model, k::RdmComparison::KendallTauA, permutations, rng);
        CHECK(result.observed == 1.0); // distinct Gaussian distances: no ties, all pairs concordant
        // Only the identity permutation (and permutations leaving every distance in place, of
        // which a generic RDM has none other) reach τa = 1; with 8! = 40 320 labelings the
        // chance of drawing it among 199 is < 0.5 %, and the seed is fixed.
        CHECK(result.p_value <= 2.0 / 200.0);
    }
}
