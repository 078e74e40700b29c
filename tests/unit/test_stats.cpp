// χ² survival (even dof), Fisher's combined p, Benjamini–Hochberg and permutation p-values
// against scipy 1.10 (chi2.sf, combine_pvalues) and the statsmodels/scipy-1.11 BH formula,
// computed by the test itself in /usr/bin/python3.

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/rng.hpp"
#include "kernels/stats.hpp"
#include "tests/support/support.hpp"

using neuropop::kernels::benjamini_hochberg;
using neuropop::kernels::chi2_sf_even;
using neuropop::kernels::CounterRng;
using neuropop::kernels::fisher_combined;
using neuropop::kernels::permutation_p_values;

namespace {

std::string join(const std::vector<double>& v) {
    std::ostringstream out;
    out.precision(17);
    for (double x : v)
        out << x << ' ';
    return out.str();
}

} // namespace

TEST_CASE("chi-square survival for even dof equals scipy's", "[stats]") {
    const std::vector<double> xs{1e-8, 0.3, 2.0, 7.5, 40.0, 150.0, 900.0, 3000.0};
    const std::vector<std::size_t> ns{1, 2, 5, 21, 200};
    std::vector<double> ours;
    std::string args;
    for (std::size_t n : ns)
        for (double x : xs) {
            ours.push_back(chi2_sf_even(x, n));
            args += std::to_string(n) + " ";
        }
    const auto ref = neuropop::test::parse_doubles(neuropop::test::run_python(
        R"(import sys
from scipy.stats import chi2
xs = [float(v) for v in sys.argv[1].split()]
ns = [int(v) for v in sys.argv[2].split()]
print(" ".join(repr(chi2.sf(x, 2 * n)) for n in ns for x in xs))
)",
        {join(xs), [&] {
             std::string s;
             for (std::size_t n : ns)
                 s += std::to_string(n) + " ";
             return s;
         }()}));
    REQUIRE(ref.size() == ours.size());
    for (std::size_t i = 0; i < ours.size(); ++i) {
        INFO("n=" << ns[i / xs.size()] << " x=" << xs[i % xs.size()]);
        // Relative 1e-12: a sum of ≤ 200 positive terms in log space (~n·eps each) against
        // scipy's regularised incomplete gamma (accurate to ~1e-14); deep tails underflow to
        // 0 in both below 1e-300.
        CHECK(ours[i] == Approx(ref[i]).epsilon(1e-12).margin(1e-300));
    }
    CHECK(chi2_sf_even(0.0, 3) == 1.0);
    CHECK(chi2_sf_even(std::numeric_limits<double>::infinity(), 3) == 0.0);
    // dof 2: sf = e^{−x/2} exactly.
    CHECK(chi2_sf_even(3.0, 1) == Approx(std::exp(-1.5)).epsilon(1e-15));
    CHECK_THROWS_AS(chi2_sf_even(1.0, 0), std::invalid_argument);
}

TEST_CASE("Fisher's combination and Benjamini-Hochberg equal the references", "[stats]") {
    CounterRng rng(17, 0);
    std::vector<double> p(40);
    for (auto& v : p)
        v = std::pow(rng.uniform(), 3.0); // skewed towards 0, like a mix of effects and nulls
    p[3] = p[7];                          // a tie
    p[9] = 1.0;
    const auto ref = neuropop::test::parse_doubles(neuropop::test::run_python(
        R"(import sys, numpy as np
from scipy.stats import combine_pvalues
p = np.array(sys.argv[1].split(), dtype=float)
print(repr(combine_pvalues(p[:7], method="fisher")[1]))
print(repr(combine_pvalues(p, method="fisher")[1]))
# statsmodels.stats.multitest.fdrcorrection / scipy 1.11 false_discovery_control('bh'):
order = np.argsort(p)
adj = p[order] / (np.arange(1, p.size + 1) / p.size)
adj = np.minimum.accumulate(adj[::-1])[::-1].clip(0, 1)
out = np.empty_like(adj); out[order] = adj
print(" ".join(repr(v) for v in out))
)",
        {join(p)}));
    REQUIRE(ref.size() == 2 + p.size());
    // Fisher: the same statistic, then χ² sf; 1e-12 as above.
    CHECK(fisher_combined(std::span<const double>(p).first(7)) == Approx(ref[0]).epsilon(1e-12));
    CHECK(fisher_combined(p) == Approx(ref[1]).epsilon(1e-12));
    // BH: p·m/i here vs p/(i/m) there — two roundings each, so ≤ 4 ulp apart (1e-15).
    const auto adjusted = benjamini_hochberg(p);
    for (std::size_t i = 0; i < p.size(); ++i)
        CHECK(adjusted[i] == Approx(ref[2 + i]).epsilon(1e-15));

    CHECK(fisher_combined(std::vector<double>{0.0, 0.5}) == 0.0);
    CHECK(fisher_combined(std::vector<double>{1.0, 1.0}) == 1.0);
    CHECK_THROWS_AS(fisher_combined(std::vector<double>{}), std::invalid_argument);
    CHECK_THROWS_AS(fisher_combined(std::vector<double>{1.2}), std::invalid_argument);
    CHECK_THROWS_AS(benjamini_hochberg(std::vector<double>{0.1, std::nan("")}),
                    std::invalid_argument);
    // Hand-worked BH: sorted 0.01, 0.02, 0.03, 0.5 → ·4/i = 0.04, 0.04, 0.04, 0.5.
    const auto bh = benjamini_hochberg(std::vector<double>{0.5, 0.03, 0.01, 0.02});
    CHECK(bh[0] == Approx(0.5));
    CHECK(bh[1] == Approx(0.04));
    CHECK(bh[2] == Approx(0.04));
    CHECK(bh[3] == Approx(0.04));
}

TEST_CASE("permutation p-values count ties against the observed value", "[stats]") {
    // observed for 2 bins; null [4 perms, 2 bins]
    const std::vector<double> observed{0.8, 0.5};
    const std::vector<double> null{0.5, 0.5, 0.8, 0.4, 0.9, 0.6, 0.1, 0.2};
    const auto p = permutation_p_values(observed, null);
    CHECK(p[0] == (1.0 + 2.0) / 5.0); // 0.8 (tie) and 0.9 are ≥ 0.8
    CHECK(p[1] == (1.0 + 2.0) / 5.0); // 0.5 (tie) and 0.6
    CHECK_THROWS_AS(permutation_p_values(observed, std::vector<double>{0.1, 0.2, 0.3}),
                    std::invalid_argument);
}
