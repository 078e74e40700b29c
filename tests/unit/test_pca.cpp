#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/SVD>

#include "kernels/moments.hpp"
#include "kernels/pca.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"
#include "tests/unit/reference_data.hpp"

using neuropop::kernels::CounterRng;
using neuropop::kernels::Moments;
using neuropop::kernels::PcaResult;
namespace test = neuropop::test;

namespace {

// sklearn.decomposition.PCA(svd_solver='full') on each data set named on the command line.
// For each name it reads (generated) or builds (real IT sessions) the samples X and a matrix M
// of condition means, writes them for the C++ side, and writes sklearn's eigenvalues
// (explained_variance_), explained_variance_ratio_, components (features × features, each
// flipped so its largest-|loading| entry is positive: neuropop's convention) and M's scores.
const std::string pca_script = test::python_matrix_io() + test::python_it_counts() + R"PY(
import sys
from sklearn.decomposition import PCA

out = sys.argv[1]

def run(name, x, means):
    write_matrix(out + '/X_' + name, x)
    write_matrix(out + '/M_' + name, means)
    p = PCA(svd_solver='full').fit(x)
    comps = p.components_.T.copy()
    signs = np.sign(comps[np.argmax(np.abs(comps), axis=0), np.arange(comps.shape[1])])
    comps *= signs
    write_matrix(out + '/ev_' + name, p.explained_variance_)
    write_matrix(out + '/ratio_' + name, p.explained_variance_ratio_)
    write_matrix(out + '/comps_' + name, comps)
    write_matrix(out + '/proj_' + name, p.transform(means) * signs)

def condition_means(x, labels):
    return np.array([x[labels == c].mean(axis=0) for c in np.unique(labels)])

for spec in sys.argv[2:]:
    name, source = spec.split('=', 1)
    if source == 'generated':
        x = read_matrix(out + '/X_' + name)
        run(name, x, x[:5])
        continue
    counts, labels = it_counts(source, -0.5, 0.5, 0.05)
    trials, units, bins = counts.shape
    ids = labels['stimulus_ID']
    # PSTH samples: condition × bin means over trials; single-trial samples: trial × bin.
    psth = np.concatenate([counts[ids == c].mean(axis=0).T for c in np.unique(ids)])
    run(name + '_psth', psth, condition_means(psth, np.repeat(np.unique(ids), bins)))
    single = counts.transpose(0, 2, 1).reshape(trials * bins, units)
    run(name + '_trials', single, condition_means(single, np.repeat(ids, bins)))
)PY";

// Largest principal angle between the column spans of a and b (both orthonormal), from the
// sine: ‖(I − b bᵀ) a‖₂, accurate for tiny angles where arccos of the cosine is not.
double largest_principal_angle(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    const Eigen::MatrixXd residual = a - b * (b.transpose() * a);
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(residual);
    return std::asin(std::min(1.0, svd.singularValues()(0)));
}

void compare_with_sklearn(const test::TempDir& dir, const std::string& name) {
    INFO("data set " << name);
    const Eigen::MatrixXd x = test::read_matrix(dir / ("X_" + name));
    const Eigen::MatrixXd means = test::read_matrix(dir / ("M_" + name));
    const Eigen::VectorXd ev = test::read_matrix(dir / ("ev_" + name)).row(0).transpose();
    const Eigen::VectorXd ratio = test::read_matrix(dir / ("ratio_" + name)).row(0).transpose();
    const Eigen::MatrixXd comps = test::read_matrix(dir / ("comps_" + name));
    const Eigen::MatrixXd proj = test::read_matrix(dir / ("proj_" + name));
    const Eigen::Index p = x.cols();
    REQUIRE(ev.size() == p);

    const PcaResult r = neuropop::kernels::pca(Moments::of(x), static_cast<std::size_t>(p));
    REQUIRE(r.eigenvalues.size() == p);
    REQUIRE(r.components.cols() == p);

    // Both are backward stable (eigh of the covariance vs SVD of the centred data): eigenvalue
    // errors are ~n ε λ_max ≈ 1e-12 λ_max for these n; 1e-9 λ_max leaves a wide margin while
    // catching any real difference (a wrong n − 1, a missed centring, a dropped sample).
    const double lmax = ev(0);
    for (Eigen::Index j = 0; j < p; ++j) {
        INFO("eigenvalue " << j << ": " << r.eigenvalues(j) << " vs sklearn " << ev(j));
        CHECK(std::abs(r.eigenvalues(j) - ev(j)) <= 1e-9 * lmax);
        CHECK(std::abs(r.explained_ratio(j) - ratio(j)) <= 1e-9); // ratios are ≤ 1: same bound
    }

    // Axes are determined only up to rotation inside a cluster of (near-)equal eigenvalues:
    // group components whose neighbouring eigenvalues differ by less than 1e-3 λ_max. The
    // perturbation of an axis is ≈ ‖δC‖ / gap ≈ 1e-12 λ_max / (1e-3 λ_max) = 1e-9 rad, so
    // 1e-6 rad between the spans of each group is a safe bound.
    const Eigen::MatrixXd ours = project(r, means);
    const double scale = (means.rowwise() - r.mean.transpose()).rowwise().norm().maxCoeff();
    Eigen::Index begin = 0;
    while (begin < p) {
        Eigen::Index end = begin + 1;
        while (end < p && ev(end - 1) - ev(end) <= 1e-3 * lmax)
            ++end;
        const Eigen::Index width = end - begin;
        INFO("components " << begin << ".." << end - 1);
        CHECK(largest_principal_angle(r.components.middleCols(begin, width),
                                      comps.middleCols(begin, width)) <= 1e-6);
        if (width == 1) {
            // A single axis is unique up to sign, and both follow the largest-|loading|-positive
            // convention: entries agree within the angle bound, scores within angle × ‖M − μ‖.
            CHECK((r.components.col(begin) - comps.col(begin)).cwiseAbs().maxCoeff() <= 1e-6);
            CHECK((ours.col(begin) - proj.col(begin)).cwiseAbs().maxCoeff() <= 1e-6 * scale);
        }
        begin = end;
    }
}

} // namespace

TEST_CASE("PCA matches scikit-learn on generated and real IT data", "[pca][reference]") {
    test::TempDir dir("pca");
    // Generated: 400 samples of 8 features with a spread spectrum (mixing with singular values
    // 1 … 1/8 of a Gaussian) and a non-zero mean.
    CounterRng rng(5, 1);
    Eigen::MatrixXd mixing = test::random_orthogonal(8, rng);
    for (Eigen::Index j = 0; j < 8; ++j)
        mixing.row(j) /= static_cast<double>(j + 1);
    Eigen::MatrixXd x = test::gaussian_matrix(400, 8, rng) * mixing;
    x.rowwise() += Eigen::RowVectorXd::LinSpaced(8, -3.0, 4.0);
    test::write_matrix(dir / "X_generated", x);

    test::run_python(
        pca_script, {dir.path().string(), "generated=generated", "it1018=" + test::it_session(1018),
                     "it1005=" + test::it_session(1005), "it1015=" + test::it_session(1015)});
    compare_with_sklearn(dir, "generated");
    for (const std::string s : {"it1018", "it1005", "it1015"}) {
        compare_with_sklearn(dir, s + "_psth");
        compare_with_sklearn(dir, s + "_trials");
    }
}

// sklearn.decomposition.PCA(svd_solver='full') of a wide matrix (fewer samples than features):
// explained_variance_ has min(n, p) entries, components_ as many rows.
const std::string wide_script = test::python_matrix_io() + R"PY(
import sys
from sklearn.decomposition import PCA
out = sys.argv[1]
x = read_matrix(out + '/X')
p = PCA(svd_solver='full').fit(x)
comps = p.components_.T.copy()
signs = np.sign(comps[np.argmax(np.abs(comps), axis=0), np.arange(comps.shape[1])])
write_matrix(out + '/ev', p.explained_variance_)
write_matrix(out + '/comps', comps * signs)
write_matrix(out + '/proj', p.transform(x) * signs)
)PY";

TEST_CASE("PCA of a wide sample matrix takes the SVD route and matches scikit-learn",
          "[pca][reference]") {
    // 40 samples (e.g. 4 conditions × 10 bins) of 600 units, the shape of a pooled region's
    // condition means: 12 orthogonal latent directions with singular values 60 · 0.75^j (so the
    // first 10 eigenvalues are separated by ≥ 0.4 % of the largest) plus small isotropic noise.
    const Eigen::Index n = 40, p = 600, k = 10;
    CounterRng rng(29, 3);
    Eigen::MatrixXd latent = test::random_orthogonal(n, rng).leftCols(12);
    for (Eigen::Index j = 0; j < 12; ++j)
        latent.col(j) *= 60.0 * std::pow(0.75, static_cast<double>(j));
    Eigen::MatrixXd x = latent * test::random_orthogonal(p, rng).topRows(12) +
                        0.05 * test::gaussian_matrix(n, p, rng);
    x.rowwise() += Eigen::RowVectorXd::LinSpaced(p, 1.0, 5.0);
    REQUIRE(neuropop::kernels::pca_uses_svd(n, p, k));
    REQUIRE_FALSE(neuropop::kernels::pca_uses_svd(n, p, n)); // more axes than rank n − 1
    REQUIRE_FALSE(neuropop::kernels::pca_uses_svd(p + 1, p, k));

    test::TempDir dir("pca_wide");
    test::write_matrix(dir / "X", x);
    test::run_python(wide_script, {dir.path().string()});
    const Eigen::VectorXd ev = test::read_matrix(dir / "ev").row(0).transpose();
    const Eigen::MatrixXd comps = test::read_matrix(dir / "comps");
    const Eigen::MatrixXd proj = test::read_matrix(dir / "proj");
    REQUIRE(ev.size() == n);

    const PcaResult r = neuropop::kernels::pca_of_samples(x, static_cast<std::size_t>(k));
    const PcaResult cov = neuropop::kernels::pca(Moments::of(x), static_cast<std::size_t>(k));
    REQUIRE(r.eigenvalues.size() == p);
    REQUIRE(r.components.cols() == k);
    // Eigenvalues: sklearn's SVD and ours are backward stable (~n ε λ_max); the covariance route
    // squares the data but is also within ~p ε λ_max: 1e-9 λ_max for both, as above. Past the
    // rank (n − 1) every eigenvalue is zero (sklearn reports n values, the last ~0).
    const double lmax = ev(0);
    for (Eigen::Index j = 0; j < p; ++j) {
        INFO("eigenvalue " << j);
        const double truth = j < n ? ev(j) : 0.0;
        CHECK(std::abs(r.eigenvalues(j) - truth) <= 1e-9 * lmax);
        CHECK(std::abs(cov.eigenvalues(j) - r.eigenvalues(j)) <= 1e-9 * lmax);
        CHECK(std::abs(r.explained_ratio(j) - cov.explained_ratio(j)) <= 1e-9);
    }
    CHECK((r.mean - cov.mean).cwiseAbs().maxCoeff() <= 1e-12 * cov.mean.cwiseAbs().maxCoeff());
    // Axes: the first k eigenvalues are well separated here (gaps ≥ 1e-3 λ_max, checked), so
    // each axis is unique up to sign and both follow the largest-|loading| convention: entries
    // within 1e-6 (perturbation ≈ 1e-12 λ_max / gap ≈ 1e-9), scores within 1e-6 × ‖X − μ‖.
    for (Eigen::Index j = 0; j + 1 < k; ++j)
        REQUIRE(ev(j) - ev(j + 1) >= 1e-3 * lmax);
    const Eigen::MatrixXd ours = project(r, x);
    const double scale = (x.rowwise() - r.mean.transpose()).rowwise().norm().maxCoeff();
    for (Eigen::Index j = 0; j < k; ++j) {
        INFO("component " << j);
        CHECK((r.components.col(j) - comps.col(j)).cwiseAbs().maxCoeff() <= 1e-6);
        CHECK((r.components.col(j) - cov.components.col(j)).cwiseAbs().maxCoeff() <= 1e-6);
        CHECK((ours.col(j) - proj.col(j)).cwiseAbs().maxCoeff() <= 1e-6 * scale);
    }
    CHECK((r.components.transpose() * r.components - Eigen::MatrixXd::Identity(k, k))
              .cwiseAbs()
              .maxCoeff() <= 1e-12);
    CHECK_THROWS_AS(neuropop::kernels::pca_of_samples(x.topRows(1), 1), std::invalid_argument);
}

TEST_CASE("PCA closed forms and conventions", "[pca]") {
    SECTION("a diagonal covariance gives sorted axes along the coordinates") {
        Eigen::MatrixXd cov = Eigen::Vector3d(1.0, 5.0, 2.0).asDiagonal();
        const PcaResult r =
            neuropop::kernels::pca_from_covariance(cov, Eigen::Vector3d(1, 2, 3), 2);
        CHECK(r.eigenvalues.isApprox(Eigen::Vector3d(5.0, 2.0, 1.0)));
        CHECK(r.explained_ratio.isApprox(Eigen::Vector3d(5.0, 2.0, 1.0) / 8.0));
        REQUIRE(r.components.cols() == 2);
        CHECK(r.components.col(0).isApprox(Eigen::Vector3d(0, 1, 0)));
        CHECK(r.components.col(1).isApprox(Eigen::Vector3d(0, 0, 1)));
        // Scores: (x − μ) · components.
        Eigen::MatrixXd sample(1, 3);
        sample << 2, 4, 7;
        const Eigen::MatrixXd score = project(r, sample);
        CHECK(score(0, 0) == Approx(2.0));
        CHECK(score(0, 1) == Approx(4.0));
    }
    SECTION("the largest-|loading| entry of each component is positive") {
        // Rank-one covariance along (0.6, −0.8): the axis must come out as (−0.6, 0.8).
        Eigen::Vector2d v(0.6, -0.8);
        const PcaResult r =
            neuropop::kernels::pca_from_covariance(v * v.transpose(), Eigen::Vector2d::Zero(), 5);
        CHECK(r.components.cols() == 2); // k clipped to the number of features
        CHECK(r.components.col(0).isApprox(-v));
        // The zero eigenvalue comes out within rounding (ε‖C‖ = 2e-16), never below zero.
        CHECK(r.eigenvalues(1) >= 0.0);
        CHECK(r.eigenvalues(1) <= 1e-15);
    }
    SECTION("bad shapes are rejected") {
        CHECK_THROWS_AS(neuropop::kernels::pca_from_covariance(Eigen::MatrixXd::Zero(2, 3),
                                                               Eigen::VectorXd::Zero(2), 1),
                        std::invalid_argument);
        CHECK_THROWS_AS(neuropop::kernels::pca_from_covariance(Eigen::MatrixXd::Identity(2, 2),
                                                               Eigen::VectorXd::Zero(3), 1),
                        std::invalid_argument);
    }
}
