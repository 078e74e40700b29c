#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include <Eigen/Eigenvalues>
#include <Eigen/QR>

#include "kernels/cvpca.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"
#include "tests/unit/reference_data.hpp"

using neuropop::kernels::CounterRng;
using neuropop::kernels::cvpca;
using neuropop::kernels::cvpca_swap_masks;
namespace test = neuropop::test;

namespace {

using Masks = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic>;

// Two repeats from the real IT data, as a pseudo-population over all 21 sessions (condition
// means need no simultaneous recording): for each condition, the session's trials of that
// condition in file order are split into a first half (repeat 1) and the rest (repeat 2).
// "objects": 21 object × position conditions, counts in [0.1, 0.5) s after stimulus onset.
// "bins": 7 objects × 10 bins of 50 ms in [0, 0.5) s, each (object, bin) a stimulus.
const std::string repeats_script = test::python_matrix_io() + test::python_it_counts() + R"PY(
import sys
out = sys.argv[1]
sessions = sys.argv[2:]

def repeats(start, stop, width, key_of):
    r1, r2 = [], []
    for path in sessions:
        counts, labels = it_counts(path, start, stop, width)
        keys = key_of(labels)
        h1, h2 = [], []
        for c in np.unique(keys):
            rows = np.flatnonzero(keys == c)
            half = rows.size // 2
            h1.append(counts[rows[:half]].mean(axis=0).T)  # bins × units
            h2.append(counts[rows[half:]].mean(axis=0).T)
        r1.append(np.concatenate(h1))
        r2.append(np.concatenate(h2))
    return np.concatenate(r1, axis=1), np.concatenate(r2, axis=1)

a, b = repeats(0.1, 0.5, 0.4, lambda l: np.char.add(np.char.add(l['stimulus_ID'], '_'), l['stimulus_position']))
write_matrix(out + '/R1_objects', a)
write_matrix(out + '/R2_objects', b)
a, b = repeats(0.0, 0.5, 0.05, lambda l: l['stimulus_ID'])
write_matrix(out + '/R1_bins', a)
write_matrix(out + '/R2_bins', b)
)PY";

// numpy port of the MATLAB original (shuffledSpectrum.m after loadProc2800.m's centring, and
// get_powerlaw.m), on the swap masks neuropop drew. Differences from MATLAB, as documented in
// kernels/cvpca.hpp: spectrum length min(S, N) with numerically-zero axes set to 0 (MATLAB gets
// NaN), and non-positive entries left out of the fit (MATLAB takes log|ss|).
const std::string reference_script = test::python_matrix_io() + R"PY(
import sys
out, name, first, last = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
r1 = read_matrix(out + '/R1_' + name)
r2 = read_matrix(out + '/R2_' + name)
masks = read_matrix(out + '/masks_' + name) > 0.5
S, N = r1.shape
mu = np.concatenate([r1, r2]).mean(axis=0)       # each unit centred over all responses
c1, c2 = r1 - mu, r2 - mu
L = min(S, N)
spec = np.zeros((L, masks.shape[1]))
for sh in range(masks.shape[1]):
    inr = masks[:, sh]
    a1 = np.where(inr[:, None], c2, c1)
    a2 = np.where(inr[:, None], c1, c2)
    A, B, _ = np.linalg.svd(a1 @ a1.T)
    k = int(np.sum(B[:L] > B[0] * S * np.finfo(float).eps))
    W = a1.T @ A[:, :k] / np.sqrt(B[:k])
    spec[:k, sh] = np.sum((a1 @ W) * (a2 @ W), axis=0)
ss = spec.mean(axis=1)
trange = np.arange(first, last + 1)
trange = trange[ss[trange - 1] > 0]
Y = np.log(ss[trange - 1])
X = np.stack([-np.log(trange), np.ones(trange.size)], axis=1)
w = 1.0 / trange
B = np.linalg.solve(X.T @ (w[:, None] * X), (w[:, None] * X).T @ Y)
print(B[0])
print(' '.join('%.17g' % v for v in ss))
)PY";

} // namespace

TEST_CASE("cvPCA matches a numpy port of Stringer's MATLAB code on real IT data",
          "[cvpca][reference]") {
    test::TempDir dir("cvpca");
    std::vector<std::string> args{dir.path().string()};
    for (int s = 1001; s <= 1021; ++s)
        args.push_back(test::it_session(s));
    test::run_python(repeats_script, args);

    for (const std::string name : {"objects", "bins"}) {
        INFO("data set " << name);
        const Eigen::MatrixXd r1 = test::read_matrix(dir / ("R1_" + name));
        const Eigen::MatrixXd r2 = test::read_matrix(dir / ("R2_" + name));
        CHECK(r1.cols() == 132); // all units of the 21 sessions (data README)
        CounterRng rng(2019, 42);
        const Masks masks = cvpca_swap_masks(static_cast<std::size_t>(r1.rows()), 10, rng);
        test::write_matrix(dir / ("masks_" + name), masks.cast<double>().matrix());
        const auto result = cvpca(r1, r2, masks);
        REQUIRE(result.spectrum.size() == std::min(r1.rows(), r1.cols()));
        CHECK(result.fit_first == 11);
        CHECK(result.fit_last == static_cast<std::size_t>(r1.rows() - 1)); // #stimuli − 1 binds

        const auto ref = test::parse_doubles(test::run_python(
            reference_script, {dir.path().string(), name, std::to_string(result.fit_first),
                               std::to_string(result.fit_last)}));
        REQUIRE(ref.size() == static_cast<std::size_t>(result.spectrum.size()) + 1);
        // Both compute the same products in a different order and eigen-decompose K with
        // different backward-stable solvers (Eigen's QR vs LAPACK's SVD): entries differ by
        // ~ε ‖K‖ / (eigengap) ≈ 1e-13 of the largest entry here; 1e-9 is a wide margin.
        const double largest = result.spectrum.cwiseAbs().maxCoeff();
        for (Eigen::Index k = 0; k < result.spectrum.size(); ++k) {
            INFO("k = " << k + 1 << ": " << result.spectrum(k) << " vs "
                        << ref[static_cast<std::size_t>(k) + 1]);
            CHECK(std::abs(result.spectrum(k) - ref[static_cast<std::size_t>(k) + 1]) <=
                  1e-9 * largest);
        }
        // α is a weighted mean of log-ratios: errors of 1e-9 relative to the largest entry become
        // at most ~1e-6 in log ss for entries ≥ 1e-3 of it (all fitted entries here) and the
        // slope divides by a spread of log k ≥ 0.2: 1e-6 is safe yet far below any real change.
        CHECK(std::abs(result.alpha - ref[0]) <= 1e-6);
        CHECK(std::isfinite(result.alpha));
    }
}

TEST_CASE("cvPCA recovers a known power-law signal spectrum", "[cvpca]") {
    // 200 stimuli × 100 units. Signal = U diag(√(S λ_k)) Vᵀ with U orthonormal and centred
    // (S × N), V orthogonal: the stimuli's signal covariance has eigenvalues exactly λ_k = k^−α,
    // so the target is exact, not a population value subject to sampling. Each repeat adds
    // independent N(0, 0.03²) noise, 9% of the smallest signal variance λ_100 = 0.01 for α = 1.
    const Eigen::Index s = 200, n = 100;
    for (double alpha : {0.7, 1.0}) {
        INFO("alpha = " << alpha);
        CounterRng rng(1234, static_cast<std::uint64_t>(alpha * 10));
        Eigen::MatrixXd g = test::gaussian_matrix(s, n, rng);
        g.rowwise() -= g.colwise().mean();
        Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
        const Eigen::MatrixXd u = qr.householderQ() * Eigen::MatrixXd::Identity(s, n);
        const Eigen::MatrixXd v = test::random_orthogonal(n, rng);
        Eigen::VectorXd lambda(n);
        for (Eigen::Index k = 0; k < n; ++k)
            lambda(k) = std::pow(static_cast<double>(k + 1), -alpha);
        const Eigen::MatrixXd signal =
            u * (static_cast<double>(s) * lambda).cwiseSqrt().asDiagonal() * v.transpose();
        const Eigen::MatrixXd r1 = signal + 0.03 * test::gaussian_matrix(s, n, rng);
        const Eigen::MatrixXd r2 = signal + 0.03 * test::gaussian_matrix(s, n, rng);

        CounterRng shuffles(1234, 99);
        const auto result = cvpca(r1, r2, 10, shuffles);
        CHECK(result.fit_first == 11);
        CHECK(result.fit_last == 98); // N − 2 binds
        // Tolerance 0.03: a numpy prototype of this set-up over 3 seeds each at α = 0.7, 1.0
        // gave |α̂ − α| ≤ 0.008; the remaining bias comes from noise in the estimated axes.
        CHECK(std::abs(result.alpha - alpha) <= 0.03);
        // Leading components: ss_k / S estimates λ_k; noise and finite S gave ≤ 1.6% there.
        for (Eigen::Index k = 0; k < 10; ++k)
            CHECK(result.spectrum(k) / static_cast<double>(s) == Approx(lambda(k)).epsilon(0.05));
    }
}

TEST_CASE("cvPCA shuffles, fit range and input checks", "[cvpca]") {
    CounterRng rng(7, 1);
    const Eigen::MatrixXd r1 = test::gaussian_matrix(30, 8, rng);
    const Eigen::MatrixXd r2 = r1 + 0.1 * test::gaussian_matrix(30, 8, rng);

    SECTION("masks come from the RNG stream; one shuffle swaps nothing, as in MATLAB") {
        CounterRng a(3, 4), b(3, 4);
        const Masks ma = cvpca_swap_masks(30, 5, a), mb = cvpca_swap_masks(30, 5, b);
        CHECK((ma == mb).all());
        CHECK(a.draws_used() == 150);
        CHECK(ma.count() > 0);
        CHECK(ma.count() < 150);
        CounterRng c(3, 4);
        CHECK(cvpca_swap_masks(30, 1, c).count() == 0);
        CHECK(c.draws_used() == 0);
    }
    SECTION("swapping every stimulus gives the spectrum of the exchanged repeats") {
        const Masks all = Masks::Constant(30, 1, true);
        const auto swapped = cvpca(r1, r2, all);
        const auto exchanged = cvpca(r2, r1, Masks::Constant(30, 1, false));
        CHECK(swapped.spectrum.isApprox(exchanged.spectrum, 1e-12)); // same arithmetic
    }
    SECTION("identical repeats give the ordinary PCA spectrum (sum of squares)") {
        // With R1 = R2 = R, ss_k = ‖R1 W_k‖² = B_k, the eigenvalues of the centred Gram.
        const auto result = cvpca(r1, r1, Masks::Constant(30, 1, false));
        const Eigen::MatrixXd c = r1.rowwise() - r1.colwise().mean();
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(c.transpose() * c);
        CHECK(result.spectrum.isApprox(es.eigenvalues().reverse(), 1e-10));
    }
    SECTION("the fit range is clipped to the data; an empty range gives NaN") {
        const auto result = cvpca(r1, r2, Masks::Constant(30, 2, false), 2, 500);
        CHECK(result.fit_last == 6); // N − 2 with 8 units
        CHECK(result.fit_first == 2);
        CHECK_FALSE(result.fit_first_clipped);
        CHECK(std::isfinite(result.alpha));
        // The default fit_first = 11 > 6 would leave nothing: the fit starts at k = 1.
        const auto clipped = cvpca(r1, r2, Masks::Constant(30, 2, false));
        CHECK(clipped.fit_first == 1);
        CHECK(clipped.fit_last == 6);
        CHECK(clipped.fit_first_clipped);
        CHECK(std::isfinite(clipped.alpha));
        CHECK(clipped.alpha ==
              neuropop::kernels::power_law_alpha(clipped.spectrum, 1, 6)); // same fit
        // 3 units: k <= 1 from anywhere, so no fit at all.
        const auto empty = cvpca(r1.leftCols(3), r2.leftCols(3), Masks::Constant(30, 2, false));
        CHECK(std::isnan(empty.alpha));
    }
    SECTION("bad inputs") {
        CounterRng r(1, 1);
        CHECK_THROWS_AS(cvpca(r1, r2.leftCols(7), 3, r), std::invalid_argument);
        CHECK_THROWS_AS(cvpca(r1.topRows(1), r2.topRows(1), 3, r), std::invalid_argument);
        CHECK_THROWS_AS(cvpca(r1, r2, 0, r), std::invalid_argument);
        CHECK_THROWS_AS(cvpca(r1, r2, Masks::Constant(29, 1, false)), std::invalid_argument);
    }
}

TEST_CASE("cvPCA fit range: fit_last clipped to the data, fit_first moved to 1 when it leaves "
          "fewer than 2 components",
          "[cvpca]") {
    using neuropop::kernels::cvpca_fit_range;
    // Large enough: Stringer's range, fit_last clipped to units - 2.
    auto r = cvpca_fit_range(11, 500, 1000, 100);
    CHECK(r.first == 11);
    CHECK(r.last == 98);
    CHECK_FALSE(r.first_clipped);
    // 10 units: k <= 8, so k = 11.. is empty: the fit starts at 1.
    r = cvpca_fit_range(11, 500, 420, 10);
    CHECK(r.first == 1);
    CHECK(r.last == 8);
    CHECK(r.first_clipped);
    // 13 units: k <= 11 leaves one component from 11 on; 14 units leave two.
    CHECK(cvpca_fit_range(11, 500, 420, 13).first_clipped);
    r = cvpca_fit_range(11, 500, 420, 14);
    CHECK(r.first == 11);
    CHECK(r.last == 12);
    CHECK_FALSE(r.first_clipped);
    // Few stimuli clip too (stimuli - 1).
    r = cvpca_fit_range(11, 500, 6, 100);
    CHECK(r.first == 1);
    CHECK(r.last == 5);
    // 3 units: k <= 1, nothing to fit from anywhere; left as requested (alpha NaN).
    r = cvpca_fit_range(11, 500, 420, 3);
    CHECK(r.first == 11);
    CHECK(r.last == 1);
    CHECK_FALSE(r.first_clipped);
}
