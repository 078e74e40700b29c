// Cross-animal statistics (kernels/cross_animal_stats.hpp) against numpy / scipy on the same
// inputs and the same bootstrap resamples: the mean over animals, the percentile bootstrap CI
// and Fisher's combination across animals, plus the cases the engine meets (one animal, an
// element without any null, mismatched shapes).

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "kernels/cross_animal_stats.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"

using neuropop::kernels::CounterRng;
using Matrix = std::vector<std::vector<double>>;

namespace {

void write_rows(const std::filesystem::path& path, const Matrix& rows) {
    std::ofstream out(path);
    out.precision(17);
    for (const auto& r : rows) {
        for (double x : r)
            out << (std::isfinite(x) ? x : -1.0) << ' '; // -1: no p (NaN), read back as NaN
        out << '\n';
    }
}

} // namespace

TEST_CASE("cross-animal mean, bootstrap CI and Fisher's p equal numpy's and scipy's",
          "[stats][pseudo]") {
    // 5 animals x 7 elements, values of both signs; p-values on the 1/80 grid of a 79-null
    // permutation test, NaN where an animal has no null (every animal at element 6).
    constexpr std::size_t A = 5, n = 7, B = 400;
    CounterRng data(11, 3);
    Matrix values(A, std::vector<double>(n)), p(A, std::vector<double>(n));
    for (std::size_t a = 0; a < A; ++a)
        for (std::size_t i = 0; i < n; ++i) {
            values[a][i] = 0.5 + 0.3 * static_cast<double>(i) - data.uniform();
            p[a][i] = (i == 6 || (a + i) % 4 == 0)
                          ? std::nan("")
                          : (1.0 + std::floor(80.0 * data.uniform())) / 80.0;
        }
    CounterRng rng(7, 42), replay(7, 42);
    const auto s = neuropop::kernels::cross_animal_summary(values, p, B, rng);
    REQUIRE(s.mean.size() == n);
    // The animals each resample drew, replayed from the same key in the documented order.
    Matrix drawn(B, std::vector<double>(A));
    for (auto& resample : drawn)
        for (auto& a : resample)
            a = static_cast<double>(replay.below(A));

    neuropop::test::TempDir tmp("cross-animal");
    write_rows(tmp / "values.txt", values);
    write_rows(tmp / "p.txt", p);
    write_rows(tmp / "drawn.txt", drawn);
    const auto ref = neuropop::test::parse_doubles(neuropop::test::run_python(
        R"(import sys, numpy as np
from scipy.stats import combine_pvalues
x = np.loadtxt(sys.argv[1])
p = np.loadtxt(sys.argv[2]); p[p < 0] = np.nan
idx = np.loadtxt(sys.argv[3]).astype(int)
boot = x[idx].mean(axis=1)                       # [resample, element]
lo, hi = np.percentile(boot, [2.5, 97.5], axis=0)  # numpy's default 'linear' method
fisher = [combine_pvalues(c[np.isfinite(c)], method="fisher")[1] if np.isfinite(c).any() else -1.0
          for c in p.T]
for row in (x.mean(axis=0), lo, hi, fisher):
    print(" ".join(repr(float(v)) for v in row))
)",
        {(tmp / "values.txt").string(), (tmp / "p.txt").string(), (tmp / "drawn.txt").string()}));
    REQUIRE(ref.size() == 4 * n);
    for (std::size_t i = 0; i < n; ++i) {
        INFO("element " << i);
        // Mean: numpy sums then divides, the kernel divides each of the 5 terms then sums
        // (kept for byte-identical results files): a few roundings of O(1) values apart, so
        // 1e-14 relative with a 1e-15 floor for means near 0.
        CHECK(s.mean[i] == Approx(ref[i]).epsilon(1e-14).margin(1e-15));
        // CI: the same resamples; the resample means differ as above, and numpy's linear
        // interpolation computes a + (b - a) t (or b - (b - a)(1 - t) for t >= 0.5), one more
        // rounding: 1e-13.
        CHECK(s.ci_low[i] == Approx(ref[n + i]).epsilon(1e-13).margin(1e-14));
        CHECK(s.ci_high[i] == Approx(ref[2 * n + i]).epsilon(1e-13).margin(1e-14));
        CHECK(s.ci_low[i] <= s.ci_high[i]);
        // Fisher: kernels::chi2_sf_even in closed form against scipy's regularised incomplete
        // gamma, 1e-12 relative as in tests/unit/test_stats.cpp.
        if (ref[3 * n + i] < 0)
            CHECK(std::isnan(s.fisher_p[i]));
        else
            CHECK(s.fisher_p[i] == Approx(ref[3 * n + i]).epsilon(1e-12));
    }
    CHECK(std::isnan(s.fisher_p[6])); // no animal has a null there

    // Same key, same resamples: the engine's results do not depend on where the item runs.
    CounterRng again(7, 42);
    const auto t = neuropop::kernels::cross_animal_summary(values, p, B, again);
    CHECK(t.ci_low == s.ci_low);
    CHECK(t.ci_high == s.ci_high);
}

TEST_CASE("cross-animal summary of one animal, and the shapes it refuses", "[stats][pseudo]") {
    // One animal: every resample is that animal, so the CI collapses onto its value; its p is
    // Fisher's combination of a single p, i.e. p itself.
    CounterRng rng(1, 2);
    const auto one =
        neuropop::kernels::cross_animal_summary({{0.25, -1.5}}, {{0.5, std::nan("")}}, 10, rng);
    CHECK(one.mean == std::vector<double>{0.25, -1.5});
    CHECK(one.ci_low == one.mean);
    CHECK(one.ci_high == one.mean);
    CHECK(one.fisher_p[0] == Approx(0.5).epsilon(1e-15));
    CHECK(std::isnan(one.fisher_p[1]));

    // numpy's linear quantile by hand: sorted 1 2 4 8, q = 0.5 -> position 1.5 -> 3.
    CHECK(neuropop::kernels::quantile_linear({8, 1, 4, 2}, 0.5) == 3.0);
    CHECK(neuropop::kernels::quantile_linear({8, 1, 4, 2}, 0.0) == 1.0);
    CHECK(neuropop::kernels::quantile_linear({8, 1, 4, 2}, 1.0) == 8.0);

    using neuropop::kernels::cross_animal_summary;
    CHECK_THROWS_AS(cross_animal_summary({}, {}, 10, rng), std::invalid_argument);
    CHECK_THROWS_AS(cross_animal_summary({{1, 2}, {3}}, {{0.5, 0.5}, {0.5}}, 10, rng),
                    std::invalid_argument);
    CHECK_THROWS_AS(cross_animal_summary({{1, 2}}, {{0.5}}, 10, rng), std::invalid_argument);
    CHECK_THROWS_AS(cross_animal_summary({{1, 2}}, {{0.5, 0.5}, {0.5, 0.5}}, 10, rng),
                    std::invalid_argument);
    CHECK_THROWS_AS(cross_animal_summary({{1, 2}}, {{0.5, 0.5}}, 0, rng), std::invalid_argument);
    CHECK_THROWS_AS(cross_animal_summary({{1, 2}}, {{0.5, 1.5}}, 10, rng), std::invalid_argument);
    CHECK_THROWS_AS(neuropop::kernels::quantile_linear({}, 0.5), std::invalid_argument);
}
