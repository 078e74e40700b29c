#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/noise_ceiling.hpp"
#include "kernels/rdm.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"
#include "tests/unit/reference_data.hpp"

namespace k = neuropop::kernels;
namespace test = neuropop::test;

namespace {

// Nili et al.'s ceilings in numpy: RDMs as rows of upper triangles; scipy's spearmanr, a
// direct Kendall τa and the cosine against the mean with and without each RDM.
const char* ceiling_script = R"PY(
import sys
import numpy as np
from scipy.stats import spearmanr
tri = read_matrix(sys.argv[1])  # S × K(K−1)/2
def tau_a(x, y):
    n = len(x)
    s = sum(np.sign(x[i] - x[j]) * np.sign(y[i] - y[j]) for i in range(n) for j in range(i + 1, n))
    return s / (n * (n - 1) / 2)
comps = [lambda a, b: spearmanr(a, b).correlation, tau_a,
         lambda a, b: a @ b / np.sqrt((a @ a) * (b @ b))]
S = tri.shape[0]
for f in comps:
    up = [f(tri[s], tri.mean(0)) for s in range(S)]
    lo = [f(tri[s], np.delete(tri, s, 0).mean(0)) for s in range(S)]
    print(np.mean(up), np.mean(lo), *up, *lo)
)PY";

} // namespace

TEST_CASE("RSA noise ceiling matches numpy", "[noise_ceiling]") {
    k::CounterRng rng(41, 1);
    const int kc = 8, sessions = 5;
    const Eigen::MatrixXd truth = test::gaussian_matrix(kc, 6, rng);
    std::vector<Eigen::MatrixXd> rdms;
    Eigen::MatrixXd tri(sessions, kc * (kc - 1) / 2);
    for (int s = 0; s < sessions; ++s) {
        rdms.push_back(k::euclidean_rdm(truth + 0.7 * test::gaussian_matrix(kc, 6, rng)));
        tri.row(s) = k::upper_triangle(rdms.back()).transpose();
    }
    test::TempDir dir("noise_ceiling");
    test::write_matrix(dir / "tri.txt", tri);
    const auto ref = test::parse_doubles(
        test::run_python(test::python_matrix_io() + ceiling_script, {(dir / "tri.txt").string()}));
    REQUIRE(ref.size() == 3 * (2 + 2 * sessions));
    const k::RdmComparison hows[] = {k::RdmComparison::Spearman, k::RdmComparison::KendallTauA,
                                     k::RdmComparison::Cosine};
    for (int c = 0; c < 3; ++c) {
        const auto nc = k::rsa_noise_ceiling(rdms, hows[c]);
        const double* r = ref.data() + c * (2 + 2 * sessions);
        // Means of 5 RDMs summed in another order (~1e-16) feed rank statistics (unchanged
        // without ties) or a cosine: 1e-12 absolute on values of O(1).
        CHECK(nc.upper == Approx(r[0]).margin(1e-12));
        CHECK(nc.lower == Approx(r[1]).margin(1e-12));
        for (int s = 0; s < sessions; ++s) {
            CHECK(nc.upper_each(s) == Approx(r[2 + s]).margin(1e-12));
            CHECK(nc.lower_each(s) == Approx(r[2 + sessions + s]).margin(1e-12));
        }
        CHECK(nc.lower < nc.upper); // the mean including an RDM always resembles it more here
    }
}

TEST_CASE("RSA noise ceiling of identical RDMs is 1", "[noise_ceiling]") {
    k::CounterRng rng(41, 2);
    const Eigen::MatrixXd rdm = k::euclidean_rdm(test::gaussian_matrix(7, 5, rng));
    const std::vector<Eigen::MatrixXd> same(4, rdm);
    for (const auto how :
         {k::RdmComparison::Spearman, k::RdmComparison::KendallTauA, k::RdmComparison::Cosine}) {
        const auto nc = k::rsa_noise_ceiling(same, how);
        // The mean of identical copies equals the copy up to one rounding, which cannot
        // reorder distinct entries: ranks and τa are exactly 1, the cosine within 1e-15.
        CHECK(nc.upper == Approx(1.0).margin(1e-15));
        CHECK(nc.lower == Approx(1.0).margin(1e-15));
    }
    CHECK_THROWS_AS(k::rsa_noise_ceiling({rdm}, k::RdmComparison::Spearman), std::invalid_argument);
    CHECK_THROWS_AS(
        k::rsa_noise_ceiling({rdm, Eigen::MatrixXd::Zero(6, 6)}, k::RdmComparison::Spearman),
        std::invalid_argument);
}
