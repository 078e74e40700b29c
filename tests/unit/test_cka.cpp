#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include <tbb/global_control.h>

#include "kernels/cka.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"
#include "tests/unit/reference_data.hpp"

namespace k = neuropop::kernels;
namespace test = neuropop::test;

namespace {

// numpy CKA written from the definitions, not from the kernel's cosine form: the biased one in
// feature space (‖Y_cᵀX_c‖²_F / (‖X_cᵀX_c‖_F ‖Y_cᵀY_c‖_F)), the debiased one with Song et al.'s
// trace formula on Gram matrices with zeroed diagonals; then the two HSICs of the pair.
const char* cka_script = R"PY(
import sys
import numpy as np
x = read_matrix(sys.argv[1]); y = read_matrix(sys.argv[2])
n = x.shape[0]
xc = x - x.mean(0); yc = y - y.mean(0)
plain = np.linalg.norm(yc.T @ xc) ** 2 / (np.linalg.norm(xc.T @ xc) * np.linalg.norm(yc.T @ yc))
def hsic1(k, l):
    k = k.copy(); l = l.copy()
    np.fill_diagonal(k, 0); np.fill_diagonal(l, 0)
    o = np.ones(n)
    return (np.trace(k @ l) + (o @ k @ o) * (o @ l @ o) / ((n - 1) * (n - 2))
            - 2.0 / (n - 2) * (o @ k @ l @ o)) / (n * (n - 3))
K = x @ x.T; L = y @ y.T
debiased = hsic1(K, L) / np.sqrt(hsic1(K, K) * hsic1(L, L))
H = np.eye(n) - 1.0 / n
hsic0 = np.trace(K @ H @ L @ H) / (n - 1) ** 2
print(plain, debiased, hsic0, hsic1(K, L))
)PY";

} // namespace

TEST_CASE("CKA matches numpy implementations of both estimators", "[cka]") {
    k::CounterRng rng(31, 1);
    // Correlated representations (y reads x through a random map plus noise), one wider than
    // the number of stimuli and one narrower.
    const Eigen::MatrixXd x = test::gaussian_matrix(30, 70, rng);
    const Eigen::MatrixXd y =
        x * test::gaussian_matrix(70, 20, rng) * 0.2 + test::gaussian_matrix(30, 20, rng);
    test::TempDir dir("cka");
    test::write_matrix(dir / "x.txt", x);
    test::write_matrix(dir / "y.txt", y);
    const auto ref =
        test::parse_doubles(test::run_python(test::python_matrix_io() + cka_script,
                                             {(dir / "x.txt").string(), (dir / "y.txt").string()}));
    REQUIRE(ref.size() == 4);
    // Sums of O(n² p) products in different orders, well conditioned (values O(0.1–1) with
    // no cancellation near zero): 1e-12 relative.
    CHECK(k::linear_cka(x, y, k::CkaEstimator::Biased) == Approx(ref[0]).epsilon(1e-12));
    CHECK(k::linear_cka(x, y, k::CkaEstimator::Debiased) == Approx(ref[1]).epsilon(1e-12));
    const Eigen::MatrixXd gx = x * x.transpose(), gy = y * y.transpose(); // uncentred Grams
    CHECK(k::hsic(gx, gy, k::CkaEstimator::Biased) == Approx(ref[2]).epsilon(1e-12));
    CHECK(k::hsic(gx, gy, k::CkaEstimator::Debiased) == Approx(ref[3]).epsilon(1e-12));
    // Both estimators are invariant to centring the features: centred and raw Grams agree.
    CHECK(k::cka(k::centred_gram(x), k::centred_gram(y), k::CkaEstimator::Debiased) ==
          Approx(k::cka(gx, gy, k::CkaEstimator::Debiased)).epsilon(1e-12));
}

TEST_CASE("CKA is 1 for a rotated, scaled and shifted copy", "[cka]") {
    k::CounterRng rng(31, 2);
    for (const Eigen::Index p : {Eigen::Index{12}, Eigen::Index{90}}) { // p < n and p > n
        const Eigen::MatrixXd x = test::gaussian_matrix(40, p, rng);
        Eigen::MatrixXd y = 3.7 * x * test::random_orthogonal(p, rng);
        y.rowwise() += test::gaussian_matrix(1, p, rng).row(0); // a per-feature offset
        // Identical Grams up to 3.7² and rounding (~1e-15 relative per entry): 1e-12.
        CHECK(k::linear_cka(x, y, k::CkaEstimator::Biased) == Approx(1.0).epsilon(1e-12));
        CHECK(k::linear_cka(x, y, k::CkaEstimator::Debiased) == Approx(1.0).epsilon(1e-12));
    }
}

TEST_CASE("CKA of independent data: biased ~0.8, debiased ~0 with 50 stimuli", "[cka]") {
    // n = 50 stimuli, p = q = 200 independent Gaussian features. 400 numpy replicates gave
    // biased 0.8004 (SD 0.0073) and debiased 0.0009 (SD 0.0286). Tolerances: each value within
    // 5.5 SD (biased ±0.04, debiased ±0.15); the means of 20 pairs within ~6 SE (biased
    // 0.80 ± 0.01) and ~4.7 SE (debiased ±0.03).
    k::CounterRng rng(31, 3);
    double plain_sum = 0.0, debiased_sum = 0.0;
    const int pairs = 20;
    for (int i = 0; i < pairs; ++i) {
        const Eigen::MatrixXd x = test::gaussian_matrix(50, 200, rng);
        const Eigen::MatrixXd y = test::gaussian_matrix(50, 200, rng);
        const double plain = k::linear_cka(x, y, k::CkaEstimator::Biased);
        const double debiased = k::linear_cka(x, y, k::CkaEstimator::Debiased);
        CHECK(plain == Approx(0.80).margin(0.04));
        CHECK(debiased == Approx(0.0).margin(0.15));
        plain_sum += plain;
        debiased_sum += debiased;
    }
    INFO("mean biased " << plain_sum / pairs << ", mean debiased " << debiased_sum / pairs);
    CHECK(plain_sum / pairs == Approx(0.80).margin(0.01));
    CHECK(debiased_sum / pairs == Approx(0.0).margin(0.03));
}

TEST_CASE("Blockwise Gram accumulation equals the whole-matrix Gram", "[cka]") {
    k::CounterRng rng(31, 4);
    const Eigen::MatrixXd x = test::gaussian_matrix(150, 333, rng); // two 128-row tiles
    Eigen::MatrixXd xc = x;
    xc.rowwise() -= x.colwise().mean();
    const Eigen::MatrixXd direct = xc * xc.transpose();
    // Irregular blocks, including an empty one.
    k::GramAccumulator acc(150);
    Eigen::Index at = 0;
    for (const Eigen::Index b : {1, 0, 100, 7, 225}) {
        acc.add(x.middleCols(at, b));
        at += b;
    }
    REQUIRE(at == 333);
    CHECK(acc.features() == 333);
    const Eigen::MatrixXd blocked = acc.gram();
    // Entries are sums of 333 products of O(1) values, summed in other groupings: the error is
    // ~1e-15 · Σ|products| ≲ 1e-12 of the diagonal scale.
    const double scale = direct.diagonal().maxCoeff();
    CHECK((blocked - direct).cwiseAbs().maxCoeff() <= 1e-12 * scale);
    CHECK((k::centred_gram(x, 50) - direct).cwiseAbs().maxCoeff() <= 1e-12 * scale);
    CHECK(blocked == blocked.transpose());
    CHECK(k::cka(blocked, k::centred_gram(x.leftCols(200)), k::CkaEstimator::Biased) ==
          Approx(k::cka(direct, k::centred_gram(x.leftCols(200)), k::CkaEstimator::Biased))
              .epsilon(1e-12));
    CHECK_THROWS_AS(acc.add(Eigen::MatrixXd(149, 2)), std::invalid_argument);
}

TEST_CASE("All-pairs CKA equals pairwise CKA; bits independent of threads", "[cka]") {
    k::CounterRng rng(31, 5);
    const Eigen::MatrixXd base = test::gaussian_matrix(140, 30, rng);
    std::vector<Eigen::MatrixXd> layers, regions;
    for (int i = 0; i < 3; ++i)
        layers.push_back(k::centred_gram(base * test::gaussian_matrix(30, 60 + 40 * i, rng)));
    for (int i = 0; i < 2; ++i)
        regions.push_back(k::centred_gram(base.leftCols(10 + 10 * i) +
                                          test::gaussian_matrix(140, 10 + 10 * i, rng)));
    for (const auto how : {k::CkaEstimator::Biased, k::CkaEstimator::Debiased}) {
        const Eigen::MatrixXd all = k::cka_matrix(layers, regions, how);
        REQUIRE(all.rows() == 3);
        REQUIRE(all.cols() == 2);
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 2; ++b) // cosine of pre-normalised vs normalised after: rounding
                CHECK(all(a, b) == Approx(k::cka(layers[a], regions[b], how)).epsilon(1e-13));
    }
    const Eigen::MatrixXd wide = test::gaussian_matrix(300, 200, rng); // 3 × 3 tiles
    auto run = [&](int threads) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
        std::vector<Eigen::MatrixXd> grams{k::centred_gram(wide, 64),
                                           k::centred_gram(wide.leftCols(50), 64)};
        return std::pair{grams[0], k::cka_matrix(grams, grams, k::CkaEstimator::Debiased)};
    };
    const auto one = run(1), two = run(2);
    CHECK(one.first == two.first); // bitwise
    CHECK(one.second == two.second);
}

TEST_CASE("CKA input checks", "[cka]") {
    const Eigen::MatrixXd g = Eigen::MatrixXd::Identity(3, 3);
    CHECK_THROWS_AS(k::cka(g, Eigen::MatrixXd::Identity(4, 4), k::CkaEstimator::Biased),
                    std::invalid_argument);
    CHECK_THROWS_AS(k::cka(g, g, k::CkaEstimator::Debiased), std::invalid_argument); // n < 4
    CHECK_THROWS_AS(k::linear_cka(Eigen::MatrixXd::Ones(5, 2), Eigen::MatrixXd::Ones(6, 2),
                                  k::CkaEstimator::Biased),
                    std::invalid_argument);
    // A representation constant over stimuli has no centred Gram: NaN, not a number by chance.
    CHECK(std::isnan(k::linear_cka(Eigen::MatrixXd::Ones(6, 3), Eigen::MatrixXd::Random(6, 3),
                                   k::CkaEstimator::Biased)));
}
