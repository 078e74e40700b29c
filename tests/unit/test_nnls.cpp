#include <catch2/catch.hpp>

#include <string>

#include "kernels/nnls.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"
#include "tests/unit/reference_data.hpp"

namespace k = neuropop::kernels;
namespace test = neuropop::test;

TEST_CASE("NNLS matches scipy.optimize.nnls", "[nnls]") {
    k::CounterRng rng(51, 1);
    test::TempDir dir("nnls");
    // Tall, square-ish and wide problems; many constraints active in each.
    const std::pair<int, int> shapes[] = {{30, 8}, {12, 12}, {9, 40}};
    for (const auto& [m, n] : shapes) {
        const Eigen::MatrixXd a = test::gaussian_matrix(m, n, rng);
        const Eigen::MatrixXd b = test::gaussian_matrix(m, 1, rng);
        test::write_matrix(dir / "a.txt", a);
        test::write_matrix(dir / "b.txt", b);
        const auto ref = test::parse_doubles(test::run_python(
            test::python_matrix_io() +
                "import sys\nfrom scipy.optimize import nnls\n"
                "x, r = nnls(read_matrix(sys.argv[1]), read_matrix(sys.argv[2])[:, 0])\n"
                "print(*x, r)\n",
            {(dir / "a.txt").string(), (dir / "b.txt").string()}));
        REQUIRE(ref.size() == static_cast<std::size_t>(n + 1));
        const auto result = k::nnls(a, b.col(0));
        CHECK(result.converged);
        CHECK((result.x.array() >= 0.0).all());
        // The solution is unique (A has full column rank on any active set of Gaussian data);
        // both solvers end with a least-squares solve of condition ≲ 1e2: 1e-10 absolute.
        for (int j = 0; j < n; ++j)
            CHECK(result.x(j) == Approx(ref[static_cast<std::size_t>(j)]).margin(1e-10));
        CHECK(result.residual.norm() == Approx(ref.back()).margin(1e-10));
    }
}

TEST_CASE("Least-distance programming decides feasibility exactly", "[nnls]") {
    // w with w·(1, 0) ≥ 1 and w·(0, 1) ≥ 2: the minimum-norm answer is (1, 2).
    Eigen::MatrixXd g(2, 2);
    g << 1, 0, 0, 1;
    const auto ok = k::least_distance(g, Eigen::Vector2d(1, 2));
    REQUIRE(ok.feasible);
    CHECK(ok.w(0) == Approx(1.0).margin(1e-14));
    CHECK(ok.w(1) == Approx(2.0).margin(1e-14));
    // w·x ≥ 1 and w·(−x) ≥ 1 cannot both hold.
    Eigen::MatrixXd h(2, 3);
    h << 1, 2, 3, -1, -2, -3;
    CHECK_FALSE(k::least_distance(h, Eigen::Vector2d(1, 1)).feasible);
}
