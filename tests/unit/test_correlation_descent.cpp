#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include <Eigen/QR>

#include "kernels/correlation_descent.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"
#include "tests/unit/reference_data.hpp"

namespace k = neuropop::kernels;
namespace d = neuropop::kernels::detail;
namespace test = neuropop::test;

namespace {

// The Stiefel descent of kernels/manifold_capacity.cpp as mftma's removal would run it in
// numpy (benchmarks/peers/capacity.py's minimise_on_stiefel): Householder QR retraction
// (np.linalg.qr, signed so diag(R) > 0), a and b stored. Prints V (column-major) and F(V).
const char* descent_script = R"PY(
import sys
import numpy as np
x = read_matrix(sys.argv[1]); v = read_matrix(sys.argv[2])
gram = x @ x.T
def thin_q(m):
    q, r = np.linalg.qr(m)
    return q * np.where(np.diag(r) < 0.0, -1.0, 1.0)
def cost(v):
    c = x @ v
    a = gram - c @ c.T
    d = np.diag(gram) - np.sum(c * c, axis=1)
    if np.any(d <= 0.0):
        return np.inf, None
    b = a / np.outer(d, d)
    ab = a * b
    e = ab.sum(axis=1) / d
    return 0.5 * ab.sum(), x.T @ (-2.0 * b @ c + 2.0 * e[:, None] * c)
f, g = cost(v)
step = 1.0
for _ in range(1000):
    vtg = v.T @ g
    xi = g - v @ (0.5 * (vtg + vtg.T))
    norm2 = np.sum(xi * xi)
    if np.sqrt(norm2) < 1e-6:
        break
    accepted = False
    while step > 1e-10:
        trial = thin_q(v - step * xi)
        ft, tg = cost(trial)
        if ft <= f - 1e-4 * step * norm2:
            v, g, f, accepted = trial, tg, ft, True
            break
        step *= 0.5
    if not accepted:
        break
    step *= 2.0
print(*v.ravel(order='F'), f)
)PY";

// Orthonormal r × K: the signed thin Q of a Gaussian matrix.
Eigen::MatrixXd random_frame(Eigen::Index r, Eigen::Index kk, k::CounterRng& rng) {
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(test::gaussian_matrix(r, kk, rng));
    Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(r, kk);
    for (Eigen::Index j = 0; j < kk; ++j)
        if (qr.matrixQR()(j, j) < 0.0) q.col(j) = -q.col(j);
    return q;
}

// P centres' coordinates as manifold_capacity forms them: P × (P − 1), lower trapezoidal (the
// R factor of the centred centres, transposed), or a dense Gaussian P × (P − 1).
Eigen::MatrixXd centre_coordinates(Eigen::Index p, bool lower, k::CounterRng& rng) {
    if (!lower) return test::gaussian_matrix(p, p - 1, rng);
    Eigen::MatrixXd centres = test::gaussian_matrix(p, 3 * p, rng);
    centres.rowwise() -= centres.colwise().mean();
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(centres.transpose());
    Eigen::MatrixXd x = Eigen::MatrixXd::Zero(p, p - 1);
    for (Eigen::Index j = 0; j < p - 1; ++j)
        for (Eigen::Index i = j; i < p; ++i)
            x(i, j) = qr.matrixQR()(j, i);
    return x;
}

double max_abs(const Eigen::MatrixXd& m) {
    return m.cwiseAbs().maxCoeff();
}

} // namespace

TEST_CASE("Centre-correlation cost equals the direct formula", "[manifold_capacity]") {
    // P = 7 and 13 leave padding rows for every SIMD width; K = 9 and 11 take the path for
    // K > 8. The fast pass sums in another order and forms b with 1/d_μ · 1/d_ν: with d_μ ≈
    // (1 − K/r)‖x_μ‖² (random frames, no cancellation) each value is within a few hundred ε
    // of the direct one; 1e-12 relative (≈ 4 500 ε) leaves room for the P-term sums.
    k::CounterRng rng(67, 1);
    for (const Eigen::Index p : {7, 13, 50})
        for (const bool lower : {false, true}) {
            const Eigen::MatrixXd x = centre_coordinates(p, lower, rng);
            const d::CorrelationData data(x);
            CHECK(data.lower == lower);
            for (const Eigen::Index kk : {1, 2, 3, 4, 5, 8, 9, 11}) {
                if (2 * kk > p - 1) continue; // keep d_μ away from 0 (see above)
                const Eigen::MatrixXd v = random_frame(p - 1, kk, rng);
                Eigen::MatrixXd ref_g;
                const double ref = d::correlation_cost_reference(x, v, &ref_g);
                d::CorrelationCost cost(data, kk);
                Eigen::MatrixXd g(p - 1, kk);
                const double f = cost.value(v);
                cost.gradient(g);
                INFO("P " << p << " lower " << lower << " K " << kk);
                CHECK(f == Approx(ref).epsilon(1e-12));
                CHECK(max_abs(g - ref_g) <= 1e-12 * max_abs(ref_g));
            }
        }
}

TEST_CASE("Centre-correlation gradient matches central differences", "[manifold_capacity]") {
    // F along V + hD (D Gaussian, not tangent: the Euclidean gradient). The central difference's
    // error is h²/6 · F''' along D: measured 6e-7 to 1.3e-6 relative at h = 1e-4, so ~1e-8 at
    // h = 1e-5, where rounding adds ε|F|/h ~ 1e-10; tolerance 1e-7.
    k::CounterRng rng(67, 2);
    const Eigen::MatrixXd x = centre_coordinates(20, true, rng);
    const d::CorrelationData data(x);
    for (const Eigen::Index kk : {1, 3, 9}) {
        const Eigen::MatrixXd v = random_frame(19, kk, rng);
        const Eigen::MatrixXd dir = test::gaussian_matrix(19, kk, rng);
        d::CorrelationCost cost(data, kk);
        Eigen::MatrixXd g(19, kk);
        cost.value(v);
        cost.gradient(g);
        const double h = 1e-5;
        const double plus = cost.value(v + h * dir), minus = cost.value(v - h * dir);
        const double numeric = (plus - minus) / (2.0 * h);
        INFO("K " << kk);
        CHECK(numeric == Approx((g.array() * dir.array()).sum()).epsilon(1e-7));
    }
}

TEST_CASE("Stiefel descent follows a numpy port of the same descent", "[manifold_capacity]") {
    // Same start, same steps: the two sides differ by rounding only (other sums, Cholesky QR
    // against LAPACK's Householder for the same unique Q), which the descent does not amplify
    // (it contracts towards a minimum), so after up to 1 000 steps V agrees to ~1e-13; the
    // tolerance 1e-9 would still catch one Armijo decision taken differently (a step of
    // t‖ξ‖ ≫ 1e-9). V stays orthonormal to ~ε per retraction.
    k::CounterRng rng(67, 3);
    test::TempDir dir("descent");
    for (const auto& [p, kk, lower] : std::vector<std::tuple<Eigen::Index, Eigen::Index, bool>>{
             {12, 1, true}, {12, 2, false}, {30, 3, true}, {30, 9, true}}) {
        const Eigen::MatrixXd x = centre_coordinates(p, lower, rng);
        const Eigen::MatrixXd v0 = random_frame(p - 1, kk, rng);
        test::write_matrix(dir / "x.txt", x);
        test::write_matrix(dir / "v.txt", v0);
        const auto ref = test::parse_doubles(
            test::run_python(test::python_matrix_io() + descent_script,
                             {(dir / "x.txt").string(), (dir / "v.txt").string()}));
        REQUIRE(ref.size() == static_cast<std::size_t>((p - 1) * kk + 1));
        const d::CorrelationData data(x);
        const Eigen::MatrixXd v = d::minimise_on_stiefel(data, v0);
        const Eigen::Map<const Eigen::MatrixXd> ref_v(ref.data(), p - 1, kk);
        INFO("P " << p << " K " << kk << " lower " << lower);
        CHECK(max_abs(v - ref_v) <= 1e-9);
        CHECK(d::correlation_cost_reference(x, v, nullptr) == Approx(ref.back()).epsilon(1e-12));
        CHECK(d::correlation_cost_reference(x, v, nullptr) <
              d::correlation_cost_reference(x, v0, nullptr));
        CHECK(max_abs(v.transpose() * v - Eigen::MatrixXd::Identity(kk, kk)) <= 1e-13);
    }
}
