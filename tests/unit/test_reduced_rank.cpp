// Communication subspace (kernels/reduced_rank.hpp): identities (full rank = OLS, rank m =
// truncated SVD of the OLS fit), CV curves, optimal dimensionality and ridge λ against a numpy
// transcription of the MATLAB pack's ReducedRankRegress / RidgeRegress / ModelSelect on the
// same data and folds, ground-truth recovery, the permutation null, and thread independence.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/QR>
#include <tbb/global_control.h>

#include "kernels/reduced_rank.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"
#include "tests/unit/reference_data.hpp"

namespace k = neuropop::kernels;
namespace test = neuropop::test;
using Eigen::MatrixXd;

namespace {

// Y = X B + noise with B = U diag(1, 0.8, 0.6) Wᵀ of rank 3 (U, W random orthonormal factors),
// X and noise iid Gaussian, noise sd 0.5: each target unit's R² is about 0.28, the range
// Semedo et al. report for V1 → V2. n = 500, p = 30, K = 20.
struct Simulated {
    MatrixXd x, y;
};

Simulated rank3(std::uint64_t seed, double noise = 0.5) {
    k::CounterRng rng(seed, 3);
    const MatrixXd u = test::random_orthogonal(30, rng).leftCols(3);
    const MatrixXd w = test::random_orthogonal(20, rng).leftCols(3);
    const Eigen::Vector3d s(1.0, 0.8, 0.6);
    const MatrixXd b = u * s.asDiagonal() * w.transpose();
    Simulated out;
    out.x = test::gaussian_matrix(500, 30, rng);
    out.y = out.x * b + noise * test::gaussian_matrix(500, 20, rng);
    return out;
}

std::vector<int> folds_for(std::size_t n, std::uint64_t seed, int k = 10) {
    k::CounterRng rng(seed, 77);
    return k::rrr_folds(n, k, rng);
}

// numpy transcription of the MATLAB pack on the same folds: ReducedRankRegress (B = Z\Y,
// V from the PCA of Z B), RidgeRegress with zscore and GetRidgeLambda, NSE loss pooled over
// targets, ModelSelect's 1-SEM rule. Prints: λ grid; rank curve (mean, sem), optimal rank;
// ridge curve (mean, sem), chosen index; the per-fold rank performances row by row.
const std::string cv_reference = test::python_matrix_io() + R"PY(
import sys
d = sys.argv[1]
X = read_matrix(d + '/x'); Y = read_matrix(d + '/y')
folds = read_matrix(d + '/folds').ravel().astype(int)
k = folds.max() + 1
def keep(X):
    return np.flatnonzero(X.std(axis=0, ddof=1) >= np.sqrt(np.finfo(float).eps))
def zscore(X):
    m = X.mean(axis=0); s = X.std(axis=0, ddof=1)
    return (X - m) / s, m, s
def nse(Yt, P):
    return ((Yt - P) **2).sum() / ((Yt - Yt.mean(axis=0)) ** 2).sum()
def select(perf):
    mean = perf.mean(axis=0); sem = perf.std(axis=0, ddof=1) / np.sqrt(perf.shape[0])
    loss = 1 - mean; i = int(np.argmin(loss))
    return mean, sem, int(np.flatnonzero(loss <= loss[i] + sem[i])[0])
kept = keep(X)
Zall = zscore(X[:, kept])[0]
dmax = np.linalg.eigvalsh(Zall.T @ Zall).max()
s = np.arange(50, 101) / 100.0
lambdas = dmax * (1 - s) / s
maxr = min(len(kept), Y.shape[1])
for f in range(k):
    maxr = min(maxr, int((folds != f).sum()) - 1)
rr = np.zeros((k, maxr + 1)); ridge = np.zeros((k, len(lambdas)))
for f in range(k):
    tr, te = folds != f, folds == f
    Xtr = X[tr][:, keep(X[tr])]; Xte = X[te][:, keep(X[tr])]
    mx, my = Xtr.mean(axis=0), Y[tr].mean(axis=0)
    Z = Xtr - mx
    B = np.linalg.lstsq(Z, Y[tr], rcond=None)[0]
    U, S, Vt = np.linalg.svd(Z @ B, full_matrices=False)
    V = Vt.T
    for m in range(maxr + 1):
        Bm = B @ V[:, :m] @ V[:, :m].T
        rr[f, m] = 1 - nse(Y[te], my + (Xte - mx) @ Bm)
    Zt, zm, zs = zscore(Xtr)
    for j, lam in enumerate(lambdas):
        if lam > 0:
            Bl = np.linalg.solve(Zt.T @ Zt + lam * np.eye(Zt.shape[1]), Zt.T @ (Y[tr] - my))
        else:
            Bl = np.linalg.lstsq(Zt, Y[tr] - my, rcond=None)[0]
        ridge[f, j] = 1 - nse(Y[te], my + ((Xte - zm) / zs) @ Bl)
print(' '.join('%.17g' % v for v in lambdas))
mean, sem, opt = select(rr)
print(' '.join('%.17g' % v for v in np.concatenate([mean, sem])), opt)
mean, sem, opt = select(ridge)
print(' '.join('%.17g' % v for v in np.concatenate([mean, sem])), opt)
for row in rr:
    print(' '.join('%.17g' % v for v in row))
)PY";

std::vector<std::vector<double>> lines_of_doubles(const std::string& text) {
    std::vector<std::vector<double>> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = std::min(text.find('\n', start), text.size());
        const auto values = test::parse_doubles(text.substr(start, end - start));
        if (!values.empty()) out.push_back(values);
        start = end + 1;
    }
    return out;
}

} // namespace

TEST_CASE("RRR identities: full rank is OLS, rank m is the truncated SVD of the OLS fit",
          "[reduced_rank]") {
    const Simulated data = rank3(11);
    const k::ReducedRankFit fit = k::fit_reduced_rank(data.x, data.y);
    REQUIRE(fit.max_rank == 20);
    test::TempDir dir("rrr-identities");
    test::write_matrix(dir / "x", data.x);
    test::write_matrix(dir / "y", data.y);
    // numpy: OLS with an intercept column, and the truncated SVD of the centred OLS fit.
    const std::string script = test::python_matrix_io() + R"PY(
import sys
d = sys.argv[1]
X = read_matrix(d + '/x'); Y = read_matrix(d + '/y')
A = np.hstack([np.ones((X.shape[0], 1)), X])
write_matrix(d + '/ols', A @ np.linalg.lstsq(A, Y, rcond=None)[0])
Z = X - X.mean(axis=0)
F = Z @ np.linalg.lstsq(Z, Y, rcond=None)[0]
U, S, Vt = np.linalg.svd(F, full_matrices=False)
for m in (0, 1, 3, 7):
    write_matrix(d + '/svd%d' % m, Y.mean(axis=0) + (U[:, :m] * S[:m]) @ Vt[:m])
)PY";
    test::run_python(script, {dir.path().string()});
    // Both sides solve the same well-conditioned least-squares problem (cond(X) ≈ 1.6) with
    // backward-stable methods: differences ~1e-15 relative; 1e-10 is the stated bound.
    const MatrixXd ols = test::read_matrix(dir / "ols");
    const MatrixXd full = fit.predict(data.x, fit.max_rank);
    CHECK((full - ols).norm() <= 1e-10 * ols.norm());
    CHECK((fit.map(fit.max_rank) - fit.b_ols).norm() <= 1e-10 * fit.b_ols.norm());
    for (int m : {0, 1, 3, 7}) {
        INFO("rank " << m);
        const MatrixXd ref = test::read_matrix(dir / ("svd" + std::to_string(m)));
        const MatrixXd ours = fit.predict(data.x, m);
        CHECK((ours - ref).norm() <= 1e-10 * ref.norm());
        // The intercept form equals the centred form.
        const MatrixXd via_intercept = (data.x * fit.map(m)).rowwise() + fit.intercept(m);
        CHECK((via_intercept - ours).norm() <= 1e-12 * ref.norm());
    }
    // Rank 0 predicts the training mean.
    CHECK((fit.predict(data.x, 0).rowwise() - data.y.colwise().mean()).norm() == 0.0);
    // Predictive dimensions are B_ols V; the eigenvalues are ‖Ŷ v_j‖².
    const MatrixXd centred = data.x.rowwise() - data.x.colwise().mean();
    const MatrixXd dims = fit.predictive_dimensions();
    for (int j = 0; j < 3; ++j)
        CHECK((centred * dims.col(j)).squaredNorm() == Approx(fit.eigenvalues(j)).epsilon(1e-10));
}

TEST_CASE("RRR and ridge CV curves, optimal rank and λ equal a numpy transcription",
          "[reduced_rank][reference]") {
    for (std::uint64_t seed : {1u, 2u}) {
        INFO("seed " << seed);
        Simulated data = rank3(seed);
        // A constant source column is dropped by both sides.
        data.x.col(5).setConstant(2.0);
        const auto folds = folds_for(500, seed);
        test::TempDir dir("rrr-cv");
        test::write_matrix(dir / "x", data.x);
        test::write_matrix(dir / "y", data.y);
        test::write_matrix(dir / "folds",
                           Eigen::Map<const Eigen::VectorXi>(folds.data(), 500).cast<double>());
        const auto ref = lines_of_doubles(test::run_python(cv_reference, {dir.path().string()}));
        REQUIRE(ref.size() == 3 + 10);

        const auto shrink = k::default_ridge_shrinkage();
        REQUIRE(shrink.size() == 51);
        const auto lambdas = k::ridge_lambdas(data.x, shrink);
        REQUIRE(ref[0].size() == lambdas.size());
        // Eigenvalues of the same 29 × 29 Gram by two symmetric solvers: ~1e-15 relative.
        for (std::size_t j = 0; j < lambdas.size(); ++j)
            CHECK(lambdas[j] == Approx(ref[0][j]).epsilon(1e-12).margin(1e-12));

        const k::CvCurve rrr = k::cross_validate_rrr(data.x, data.y, folds);
        const auto ranks = rrr.mean_performance.size();
        REQUIRE(ranks == 21); // 0 … min(29 kept columns, 20 targets)
        REQUIRE(ref[1].size() == static_cast<std::size_t>(2 * ranks + 1));
        // Performances are 1 − RSS/TSS of least-squares fits solved by different but
        // backward-stable factorizations (COD vs LAPACK SVD): agreement ~1e-14; 1e-10 bound.
        for (Eigen::Index m = 0; m < ranks; ++m) {
            CHECK(std::abs(rrr.mean_performance(m) - ref[1][static_cast<std::size_t>(m)]) <= 1e-10);
            CHECK(std::abs(rrr.sem(m) - ref[1][static_cast<std::size_t>(ranks + m)]) <= 1e-10);
            for (int f = 0; f < 10; ++f)
                CHECK(std::abs(rrr.fold_performance(f, m) -
                               ref[3 + static_cast<std::size_t>(f)][static_cast<std::size_t>(m)]) <=
                      1e-10);
        }
        CHECK(rrr.selected == static_cast<int>(ref[1].back()));
        CHECK(rrr.selected == 3);

        const k::CvCurve ridge = k::cross_validate_ridge(data.x, data.y, folds, lambdas);
        const auto models = static_cast<Eigen::Index>(lambdas.size());
        REQUIRE(ref[2].size() == static_cast<std::size_t>(2 * models + 1));
        // Ridge by eigendecomposition here, by Cholesky-type solve in numpy: ~1e-13; bound 1e-10.
        for (Eigen::Index j = 0; j < models; ++j) {
            CHECK(std::abs(ridge.mean_performance(j) - ref[2][static_cast<std::size_t>(j)]) <=
                  1e-10);
            CHECK(std::abs(ridge.sem(j) - ref[2][static_cast<std::size_t>(models + j)]) <= 1e-10);
        }
        CHECK(ridge.selected == static_cast<int>(ref[2].back()));
        // With a rank-3 truth the rank-3 model does at least as well as the best full (ridge)
        // model (measured: 0.267 vs 0.237 and 0.236 vs 0.207); the 1-SEM λ itself is
        // deliberately conservative (s ≈ 0.8 here), so peaks are compared.
        CHECK(rrr.peak_performance >= ridge.peak_performance - 0.01);
    }
}

TEST_CASE("RRR recovers a rank-3 communication subspace; an independent source gives 0",
          "[reduced_rank]") {
    int hits = 0;
    for (std::uint64_t seed = 100; seed < 110; ++seed) {
        const Simulated data = rank3(seed);
        const auto curve = k::cross_validate_rrr(data.x, data.y, folds_for(500, seed));
        hits += curve.selected == 3 ? 1 : 0;
        // A numpy prototype of this set-up gave peak performance 0.25–0.27 at rank 3 (here
        // 0.24–0.26).
        CHECK(curve.peak_performance > 0.15);
    }
    // The numpy prototype chose 3 in 20 of 20 seeds; the brief's bar is 9 of 10.
    CHECK(hits >= 9);

    for (std::uint64_t seed = 200; seed < 205; ++seed) {
        INFO("seed " << seed);
        k::CounterRng rng(seed, 5);
        const MatrixXd x = test::gaussian_matrix(500, 30, rng);
        const MatrixXd y = test::gaussian_matrix(500, 20, rng);
        const auto curve = k::cross_validate_rrr(x, y, folds_for(500, seed));
        CHECK(curve.selected == 0);
        // Rank 0 predicts the training mean, which misses the test fold's own mean: performance
        // ≈ −1/n_test = −0.02 (measured −0.018 … −0.023); larger ranks only add overfitting.
        CHECK(curve.peak_performance <= 0.005);
        CHECK(curve.mean_performance(0) <= 0.0);
    }
}

TEST_CASE("Permutation null, condition means, unit split and thread independence",
          "[reduced_rank]") {
    // Residuals of 4 conditions × 100 datapoints carrying the rank-3 signal.
    Simulated data = rank3(31);
    std::vector<int> conditions(500);
    for (std::size_t i = 0; i < 500; ++i)
        conditions[i] = static_cast<int>(i % 5);
    const MatrixXd x = k::subtract_condition_means(data.x, conditions);
    const MatrixXd y = k::subtract_condition_means(data.y, conditions);
    for (int c = 0; c < 5; ++c) {
        Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(30);
        for (std::size_t i = 0; i < 500; ++i)
            if (conditions[i] == c) sum += x.row(static_cast<Eigen::Index>(i));
        CHECK(sum.cwiseAbs().maxCoeff() <= 1e-12); // condition means removed
    }
    const auto folds = folds_for(500, 31);
    const auto observed = k::cross_validate_rrr(x, y, folds);

    Eigen::VectorXd null1, null2;
    k::CvCurve curve1, curve2, ridge1, ridge2;
    const auto lambdas = k::ridge_lambdas(x, k::default_ridge_shrinkage());
    {
        tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
        null1 = k::rrr_permutation_null(x, y, conditions, folds, 20, 9, 4, 100);
        curve1 = k::cross_validate_rrr(x, y, folds);
        ridge1 = k::cross_validate_ridge(x, y, folds, lambdas);
    }
    {
        tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
        null2 = k::rrr_permutation_null(x, y, conditions, folds, 20, 9, 4, 100);
        curve2 = k::cross_validate_rrr(x, y, folds);
        ridge2 = k::cross_validate_ridge(x, y, folds, lambdas);
    }
    // Bitwise, 1 vs 2 threads.
    CHECK((null1.array() == null2.array()).all());
    CHECK((curve1.fold_performance.array() == curve2.fold_performance.array()).all());
    CHECK((ridge1.fold_performance.array() == ridge2.fold_performance.array()).all());
    // Shuffling within conditions destroys the pairing: null peaks near −0.02 (as for an
    // independent source), far below the observed 0.27.
    CHECK(null1.maxCoeff() <= 0.01);
    CHECK(k::permutation_p_value(observed.peak_performance, null1) == Approx(1.0 / 21.0));

    k::CounterRng a(5, 6), b(5, 6);
    const auto split = k::split_units(40, 20, a);
    const auto again = k::split_units(40, 20, b);
    CHECK(split.predictor == again.predictor);
    CHECK(split.predictor.size() == 20);
    CHECK(split.target.size() == 20);
    std::vector<int> all = split.predictor;
    all.insert(all.end(), split.target.begin(), split.target.end());
    std::sort(all.begin(), all.end());
    for (int i = 0; i < 40; ++i)
        CHECK(all[static_cast<std::size_t>(i)] == i);
    CHECK(std::is_sorted(split.target.begin(), split.target.end()));
}

TEST_CASE("Alignment of predictive dimensions with the source PCs: closed forms",
          "[reduced_rank]") {
    // X = Q diag(σ) with Q orthonormal and centred: the sample covariance is exactly
    // diag(σ²) / (n − 1), so the PCs are the coordinate axes in order of σ.
    k::CounterRng rng(8, 8);
    MatrixXd g = test::gaussian_matrix(200, 10, rng);
    g.rowwise() -= g.colwise().mean();
    const MatrixXd q =
        Eigen::HouseholderQR<MatrixXd>(g).householderQ() * MatrixXd::Identity(200, 10);
    Eigen::VectorXd sigma(10);
    sigma << 10, 9, 8, 7, 6, 5, 4, 3, 2, 1;
    const MatrixXd x = q * sigma.asDiagonal();
    const MatrixXd w = test::gaussian_matrix(3, 6, rng);

    // Noiseless Y from the top-3 axes: predictive subspace = PC subspace.
    MatrixXd b = MatrixXd::Zero(10, 6);
    b.topRows(3) = w;
    auto fit = k::fit_reduced_rank(x, x * b);
    auto al = k::predictive_alignment(x, fit, 3, 3);
    CHECK(al.captured == Approx(1.0).epsilon(1e-10));
    CHECK(al.variance_ratio == Approx(1.0).epsilon(1e-10));
    CHECK(al.cosines.minCoeff() == Approx(1.0).epsilon(1e-10));

    // From the 3 weakest axes: orthogonal to the top-3 PCs; variance ratio (1+4+9)/(100+81+64).
    b.setZero();
    b.bottomRows(3) = w;
    fit = k::fit_reduced_rank(x, x * b);
    al = k::predictive_alignment(x, fit, 3, 3);
    CHECK(al.captured <= 1e-20);
    CHECK(al.cosines.maxCoeff() <= 1e-10);
    CHECK(al.variance_ratio == Approx(14.0 / 245.0).epsilon(1e-10));
}

namespace {

// Fold blocks [first, last) of size `per` over k folds (the last one shorter), as the planner
// splits a pair's folds with interactions.folds_per_item.
std::vector<std::pair<int, int>> blocks_of(int k, int per) {
    std::vector<std::pair<int, int>> out;
    for (int first = 0; first < k; first += per)
        out.emplace_back(first, std::min(k, first + per));
    return out;
}

MatrixXd stacked(const std::vector<MatrixXd>& blocks) {
    Eigen::Index rows = 0;
    for (const auto& b : blocks)
        rows += b.rows();
    MatrixXd out(rows, blocks.front().cols());
    Eigen::Index at = 0;
    for (const auto& b : blocks) {
        REQUIRE(b.cols() == out.cols());
        out.middleRows(at, b.rows()) = b;
        at += b.rows();
    }
    return out;
}

bool same_bits(const MatrixXd& a, const MatrixXd& b) {
    // NaN (a constant test fold) never compares equal: compare NaN positions separately.
    if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
    for (Eigen::Index i = 0; i < a.size(); ++i) {
        const double u = a.data()[i], v = b.data()[i];
        if (!(u == v || (std::isnan(u) && std::isnan(v)))) return false;
    }
    return true;
}

void check_same_curve(const k::CvCurve& a, const k::CvCurve& b) {
    CHECK(same_bits(a.fold_performance, b.fold_performance));
    CHECK(same_bits(a.mean_performance, b.mean_performance));
    CHECK(same_bits(a.sem, b.sem));
    CHECK(a.selected == b.selected);
    CHECK(a.selected_performance == b.selected_performance);
    CHECK(a.peak_performance == b.peak_performance);
}

} // namespace

TEST_CASE("Fold blocks assembled give the one-call curves and null bit for bit",
          "[reduced_rank][folds_per_item]") {
    // Two data sets: the rank-3 signal (n = 500, p = 30, K = 20, 10 folds of 50), and a small one
    // (n = 23, p = 30, K = 20, 5 folds of 4 or 5 rows) whose rank limit is set by the smallest
    // training fold (18 rows: rank 17), which a block of only 19-row training folds would not
    // see on its own — the blocks must take it over all folds.
    struct Case {
        MatrixXd x, y;
        std::vector<int> conditions, folds;
        int max_rank;
    };
    std::vector<Case> cases;
    {
        Simulated d = rank3(41);
        Case c{d.x, d.y, std::vector<int>(500), folds_for(500, 41), 8};
        for (std::size_t i = 0; i < 500; ++i)
            c.conditions[i] = static_cast<int>(i % 4);
        cases.push_back(std::move(c));
    }
    {
        k::CounterRng rng(42, 1);
        Case c{test::gaussian_matrix(23, 30, rng), test::gaussian_matrix(23, 20, rng),
               std::vector<int>(23), folds_for(23, 42, 5), -1};
        for (std::size_t i = 0; i < 23; ++i)
            c.conditions[i] = static_cast<int>(i % 3);
        cases.push_back(std::move(c));
    }
    for (std::size_t which = 0; which < cases.size(); ++which) {
        const auto& c = cases[which];
        const int folds = *std::max_element(c.folds.begin(), c.folds.end()) + 1;
        const auto lambdas = k::ridge_lambdas(c.x, k::default_ridge_shrinkage());
        const int permutations = 7;
        const auto curve = k::cross_validate_rrr(c.x, c.y, c.folds, c.max_rank);
        const auto ridge = k::cross_validate_ridge(c.x, c.y, c.folds, lambdas);
        const auto null = k::rrr_permutation_null(c.x, c.y, c.conditions, c.folds, permutations, 9,
                                                  4, 1000, c.max_rank);
        const int ranks = k::rrr_curve_rank(c.x, c.y.cols(), c.folds, c.max_rank);
        CHECK(curve.fold_performance.cols() == ranks + 1);
        if (which == 1) CHECK(ranks == 17);
        // Even and uneven splits: one fold per block, 2 and 3 per block (the last shorter),
        // folds − 1 (a block of one at the end), every fold in one block, and a hand-made
        // uneven tiling.
        std::vector<std::vector<std::pair<int, int>>> splits;
        for (int per : {1, 2, 3, folds - 1, folds})
            splits.push_back(blocks_of(folds, per));
        splits.push_back({{0, 1}, {1, folds - 1}, {folds - 1, folds}});
        for (const auto& split : splits) {
            INFO("case " << which << ", " << split.size() << " blocks");
            std::vector<MatrixXd> rrr, rdg, nul;
            for (const auto& [first, last] : split) {
                rrr.push_back(k::rrr_fold_performance(c.x, c.y, c.folds, c.max_rank, first, last));
                rdg.push_back(k::ridge_fold_performance(c.x, c.y, c.folds, lambdas, first, last));
                nul.push_back(k::rrr_null_fold_performance(c.x, c.y, c.conditions, c.folds,
                                                           permutations, 9, 4, 1000, c.max_rank,
                                                           first, last));
                CHECK(rrr.back().rows() == last - first);
                CHECK(nul.back().rows() == permutations * (last - first));
            }
            check_same_curve(k::cv_curve(stacked(rrr)), curve);
            check_same_curve(k::cv_curve(stacked(rdg)), ridge);
            const Eigen::VectorXd peaks = k::rrr_null_peaks(nul, permutations);
            CHECK(same_bits(peaks, null));
        }
    }
    // A permutation's rows in a block are its full curve's rows: permutation b of the null
    // shuffles the same way whatever the block (its own stream), checked against a curve
    // recomputed from the block of every fold.
    const auto& c = cases[0];
    const MatrixXd all = k::rrr_null_fold_performance(c.x, c.y, c.conditions, c.folds, 3, 9, 4,
                                                      1000, c.max_rank, 0, 10);
    const MatrixXd part = k::rrr_null_fold_performance(c.x, c.y, c.conditions, c.folds, 3, 9, 4,
                                                       1000, c.max_rank, 4, 7);
    for (int b = 0; b < 3; ++b)
        CHECK(same_bits(part.middleRows(b * 3, 3), all.middleRows(b * 10 + 4, 3)));

    // Bad ranges and blocks are refused.
    CHECK_THROWS_AS(k::rrr_fold_performance(c.x, c.y, c.folds, 8, 3, 3), std::invalid_argument);
    CHECK_THROWS_AS(k::rrr_fold_performance(c.x, c.y, c.folds, 8, 0, 11), std::invalid_argument);
    CHECK_THROWS_AS(k::ridge_fold_performance(c.x, c.y, c.folds, std::vector<double>{1.0}, -1, 2),
                    std::invalid_argument);
    const std::vector<MatrixXd> ragged{MatrixXd::Zero(6, 9), MatrixXd::Zero(7, 9)};
    CHECK_THROWS_AS(k::rrr_null_peaks(ragged, 3), std::invalid_argument);
    const std::vector<MatrixXd> widths{MatrixXd::Zero(6, 9), MatrixXd::Zero(6, 8)};
    CHECK_THROWS_AS(k::rrr_null_peaks(widths, 3), std::invalid_argument);
}
