// Kendall τa in O(n log n) (kernels/rdm_compare.cpp, Knight's merge count) equals the
// pair-by-pair definition exactly: every count is an integer, so the doubles agree bit for bit,
// with and without ties, at every small length (merge-sort edge cases) and at the length of a
// 48-stimulus RDM.

#include <catch2/catch.hpp>

#include <cmath>

#include "kernels/rdm_compare.hpp"
#include "kernels/rng.hpp"

namespace k = neuropop::kernels;

namespace {

double tau_a_direct(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    const auto sign = [](double x) { return static_cast<double>((x > 0.0) - (x < 0.0)); };
    double s = 0.0;
    for (Eigen::Index i = 0; i < a.size(); ++i)
        for (Eigen::Index j = i + 1; j < a.size(); ++j)
            s += sign(a(i) - a(j)) * sign(b(i) - b(j));
    const auto n = static_cast<double>(a.size());
    return s / (n * (n - 1.0) / 2.0);
}

} // namespace

TEST_CASE("fast Kendall tau-a equals the pair-by-pair definition, ties included", "[rdm]") {
    k::CounterRng rng(3, 0);
    for (Eigen::Index n : {2, 3, 4, 5, 7, 8, 9, 16, 17, 100, 1128}) {
        for (int levels : {0, 2, 5}) { // 0: continuous values; else that many distinct values
            Eigen::VectorXd a(n), b(n);
            for (Eigen::Index i = 0; i < n; ++i) {
                a(i) = levels ? static_cast<double>(rng.below(static_cast<std::uint64_t>(levels)))
                              : rng.uniform();
                b(i) = levels ? static_cast<double>(rng.below(static_cast<std::uint64_t>(levels)))
                              : rng.uniform() + 0.3 * a(i);
            }
            INFO("n " << n << " levels " << levels);
            CHECK(k::compare_vectors(a, b, k::RdmComparison::KendallTauA) == tau_a_direct(a, b));
            CHECK(k::compare_vectors(a, a, k::RdmComparison::KendallTauA) == tau_a_direct(a, a));
        }
    }
}
