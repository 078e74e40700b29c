#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <vector>

#include <tbb/global_control.h>

#include "kernels/binning.hpp"
#include "kernels/rng.hpp"

using neuropop::kernels::bin_edge;
using neuropop::kernels::bin_spikes;
using neuropop::kernels::BinWindow;
using neuropop::kernels::CounterRng;
using neuropop::kernels::CountTensor;
using neuropop::kernels::SpikeTrains;

namespace {

constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();
constexpr double infinity = std::numeric_limits<double>::infinity();

SpikeTrains make_trains(const std::vector<std::vector<double>>& units) {
    SpikeTrains s;
    for (const auto& u : units) {
        s.times.insert(s.times.end(), u.begin(), u.end());
        s.offsets.push_back(s.times.size());
    }
    return s;
}

// The definition itself: count spikes with e_b <= s < e_{b+1}, every spike against every bin.
CountTensor brute_force(const SpikeTrains& spikes, const std::vector<double>& align,
                        const BinWindow& w) {
    CountTensor c;
    c.n_units = spikes.units();
    c.n_bins = w.bins();
    for (std::size_t i = 0; i < align.size(); ++i) {
        if (!std::isfinite(align[i]))
            ++c.dropped_nonfinite;
        else
            c.trials.push_back(i);
    }
    c.n_trials = c.trials.size();
    c.values.assign(c.n_trials * c.n_units * c.n_bins, 0);
    for (std::size_t t = 0; t < c.n_trials; ++t)
        for (std::size_t u = 0; u < c.n_units; ++u)
            for (double s : spikes.unit(u))
                for (std::size_t b = 0; b < c.n_bins; ++b)
                    if (bin_edge(align[c.trials[t]], w, b) <= s &&
                        s < bin_edge(align[c.trials[t]], w, b + 1))
                        ++c.at(t, u, b);
    return c;
}

void require_same(const CountTensor& a, const CountTensor& b) {
    REQUIRE(a.n_trials == b.n_trials);
    REQUIRE(a.n_units == b.n_units);
    REQUIRE(a.n_bins == b.n_bins);
    REQUIRE(a.trials == b.trials);
    REQUIRE(a.dropped_nonfinite == b.dropped_nonfinite);
    REQUIRE(a.values == b.values);
}

// Sorted spike trains with exponential gaps (rate spikes/s) over [t0, t1), some of them moved
// onto bin edges of the given trials so that the tie rule is exercised on random data too.
SpikeTrains random_trains(std::uint64_t seed, std::size_t n_units, double t0, double t1,
                          const std::vector<double>& align, const BinWindow& w) {
    std::vector<std::vector<double>> units(n_units);
    for (std::size_t u = 0; u < n_units; ++u) {
        CounterRng rng(seed, u);
        const double rate = 5.0 + 60.0 * rng.uniform();
        for (double t = t0 - std::log1p(-rng.uniform()) / rate; t < t1;
             t -= std::log1p(-rng.uniform()) / rate)
            units[u].push_back(t);
        for (double a : align) {
            if (!std::isfinite(a) || rng.uniform() < 0.5) continue;
            units[u].push_back(bin_edge(a, w, rng.below(w.bins() + 1)));
        }
        std::sort(units[u].begin(), units[u].end());
    }
    return make_trains(units);
}

} // namespace

TEST_CASE("bin window validation", "[binning]") {
    CHECK((BinWindow{-0.5, 0.5, 0.05}.validate().empty()));
    CHECK((BinWindow{-0.5, 0.5, 0.05}.bins() == 20));
    // 0.3 / 0.1 = 2.9999999999999996 in double: within the 1e-9 whole-bin tolerance.
    CHECK((BinWindow{0.0, 0.3, 0.1}.bins() == 3));
    CHECK((BinWindow{0.1, 0.5, 0.4}.bins() == 1));
    CHECK((BinWindow{0.0, 1.0, 0.001}.bins() == 1000));
    CHECK_FALSE((BinWindow{0.0, 1.0, 0.3}.validate().empty()));
    CHECK((BinWindow{0.0, 1.0, 0.3}.bins() == 0));
    CHECK_FALSE((BinWindow{0.0, 1.0, 0.0}.validate().empty()));
    CHECK_FALSE((BinWindow{0.0, 1.0, -0.1}.validate().empty()));
    CHECK_FALSE((BinWindow{0.5, 0.5, 0.1}.validate().empty()));
    CHECK_FALSE((BinWindow{0.5, -0.5, 0.1}.validate().empty()));
    CHECK_FALSE((BinWindow{not_a_number, 1.0, 0.1}.validate().empty()));
    CHECK_FALSE((BinWindow{0.0, infinity, 0.1}.validate().empty()));
    CHECK_FALSE((BinWindow{0.0, 1.0, not_a_number}.validate().empty()));
    CHECK_FALSE((BinWindow{0.0, 1e6, 1e-6}.validate().empty())); // 1e12 bins
    // Off by a fraction of a bin far beyond rounding: 1.0000001 / 0.1 = 10.000001 bins.
    CHECK_FALSE((BinWindow{0.0, 1.0000001, 0.1}.validate().empty()));

    SpikeTrains s = make_trains({{0.5}});
    std::vector<double> align{0.0};
    CHECK_THROWS_AS(bin_spikes(s, align, (BinWindow{0.0, 1.0, 0.3})), std::invalid_argument);
    s.offsets = {0, 2};
    CHECK_THROWS_AS(bin_spikes(s, align, (BinWindow{0.0, 1.0, 0.5})), std::invalid_argument);
}

TEST_CASE("bin edges round twice, as numpy computes them, never as one FMA", "[binning]") {
    // Find inputs where a fused multiply-add rounds differently from (a + start) + k * width;
    // bin_edge must give the twice-rounded value for all of them.
    CounterRng rng(11, 0);
    int differing = 0;
    for (int i = 0; i < 20000 && differing < 50; ++i) {
        const BinWindow w{-0.5, 0.5, 0.001 * (1 + static_cast<double>(rng.below(100)))};
        const double a = 1.0 + 5000.0 * rng.uniform();
        const auto k = static_cast<std::size_t>(rng.below(1000));
        volatile double origin = a + w.start; // volatile: keeps the two roundings apart
        volatile double step = static_cast<double>(k) * w.width;
        const double twice = origin + step;
        if (std::fma(static_cast<double>(k), w.width, a + w.start) == twice) continue;
        ++differing;
        CHECK(bin_edge(a, w, k) == twice);
    }
    // Random inputs hit an FMA/two-rounding difference often (about a quarter of the time
    // here); finding none would mean this test checks nothing.
    CHECK(differing == 50);
}

TEST_CASE("a spike on an edge counts in the bin whose left edge it equals", "[binning]") {
    // Awkward alignment and width: the edges are not representable decimals, so the estimate
    // (s - origin) / width sits within rounding of an integer and the exact comparison decides.
    const BinWindow w{-0.5, 0.5, 0.001};
    const double a = 1234.5670000000001;
    std::vector<double> spikes;
    for (std::size_t k = 0; k <= w.bins(); ++k)
        spikes.push_back(bin_edge(a, w, k));
    // One spike an ulp below the first edge (before the window), one an ulp below edge 7.
    spikes.push_back(std::nextafter(bin_edge(a, w, 0), -infinity));
    spikes.push_back(std::nextafter(bin_edge(a, w, 7), -infinity));
    std::sort(spikes.begin(), spikes.end());
    std::vector<double> align{a};
    CountTensor c = bin_spikes(make_trains({spikes}), align, w);
    REQUIRE(c.n_bins == 1000);
    for (std::size_t b = 0; b < c.n_bins; ++b) {
        INFO("bin " << b);
        // Every bin holds its left edge; bin 6 also holds the spike just below edge 7. The
        // spike on edge 1000 is the window's right end and is not counted.
        CHECK(c.at(0, 0, b) == (b == 6 ? 2u : 1u));
    }
}

TEST_CASE("empty units and windows outside the spikes give zeros", "[binning]") {
    // Spikes only in [10, 20) s; unit 0 and unit 2 are empty.
    SpikeTrains s = make_trains({{}, {10.0, 12.5, 15.0, 19.99}, {}});
    const BinWindow w{0.0, 2.0, 0.5};
    // Trials: before the first spike, past the session end, around the spikes, ending exactly
    // on the first spike (half-open: not counted).
    std::vector<double> align{1.0, 100.0, 12.0, 8.0};
    CountTensor c = bin_spikes(s, align, w);
    REQUIRE(c.n_trials == 4);
    REQUIRE(c.n_units == 3);
    REQUIRE(c.n_bins == 4);
    for (std::size_t t = 0; t < 4; ++t)
        for (std::size_t b = 0; b < 4; ++b) {
            CHECK(c.at(t, 0, b) == 0);
            CHECK(c.at(t, 2, b) == 0);
            CHECK(c.at(t, 1, b) == (t == 2 && b == 1 ? 1u : 0u)); // 12.5 in [12.5, 13)
        }
    CHECK(bin_spikes(make_trains({}), align, w).values.empty());
    CHECK(bin_spikes(s, std::vector<double>{}, w).values.empty());
}

TEST_CASE("NaN alignment times are dropped and counted", "[binning]") {
    const BinWindow w{-0.2, 0.2, 0.1};
    std::vector<double> align{not_a_number, 1.0, not_a_number, 3.0, 2.0, not_a_number};
    SpikeTrains s = random_trains(5, 4, 0.0, 4.0, align, w);
    CountTensor c = bin_spikes(s, align, w);
    CHECK(c.dropped_nonfinite == 3);
    CHECK(c.trials == std::vector<std::size_t>{1, 3, 4});
    require_same(c, brute_force(s, align, w));
    // The kept rows give the same counts as binning only the finite times.
    std::vector<double> kept{1.0, 3.0, 2.0};
    CHECK(bin_spikes(s, kept, w).values == c.values);
}

TEST_CASE("infinite alignment times are dropped and counted with the NaN ones", "[binning]") {
    // Kept, an infinite time would give a trial of zero counts indistinguishable from a silent
    // trial; it is as unusable as a NaN one.
    const BinWindow w{-0.2, 0.2, 0.1};
    std::vector<double> align{infinity, 1.0, -infinity, 3.0, not_a_number, 2.0};
    SpikeTrains s = random_trains(9, 4, 0.0, 4.0, align, w);
    CountTensor c = bin_spikes(s, align, w);
    CHECK(c.dropped_nonfinite == 3);
    CHECK(c.trials == std::vector<std::size_t>{1, 3, 5});
    CHECK(c.n_trials == 3);
    require_same(c, brute_force(s, align, w));
}

TEST_CASE("unsorted alignment times give the permuted counts of sorted ones", "[binning]") {
    const BinWindow w{-0.3, 0.3, 0.05};
    std::vector<double> sorted(40);
    for (std::size_t i = 0; i < sorted.size(); ++i)
        sorted[i] = 1.0 + 0.45 * static_cast<double>(i); // windows overlap their neighbours
    SpikeTrains s = random_trains(6, 5, 0.0, 20.0, sorted, w);
    std::vector<std::size_t> perm(sorted.size());
    std::iota(perm.begin(), perm.end(), 0);
    CounterRng rng(6, 99);
    neuropop::kernels::shuffle(perm.begin(), perm.end(), rng);
    std::vector<double> shuffled(sorted.size());
    for (std::size_t i = 0; i < perm.size(); ++i)
        shuffled[i] = sorted[perm[i]];
    CountTensor a = bin_spikes(s, sorted, w), b = bin_spikes(s, shuffled, w);
    for (std::size_t i = 0; i < perm.size(); ++i)
        for (std::size_t u = 0; u < s.units(); ++u)
            for (std::size_t k = 0; k < a.n_bins; ++k)
                REQUIRE(b.at(i, u, k) == a.at(perm[i], u, k));
    require_same(b, brute_force(s, shuffled, w));
}

TEST_CASE("a single bin counts the spikes in the half-open window", "[binning]") {
    const BinWindow w{0.1, 0.5, 0.4};
    std::vector<double> align{0.0, 1.0};
    // Trial 0: [0.1, 0.5) holds 0.1, 0.2, 0.4999; trial 1: [1.1, 1.5) holds 1.1 and not 1.5.
    SpikeTrains s = make_trains({{0.05, 0.1, 0.2, 0.4999, 0.5, 1.1, 1.5}});
    CountTensor c = bin_spikes(s, align, w);
    REQUIRE(c.n_bins == 1);
    CHECK(c.at(0, 0, 0) == 3);
    CHECK(c.at(1, 0, 0) == 1);
}

TEST_CASE("random data agree with the brute-force definition", "[binning]") {
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
        CounterRng rng(seed, 1000);
        const double width = 0.01 * (1 + static_cast<double>(rng.below(10)));
        const auto n_bins = 1 + rng.below(30);
        const double start = -0.5 * static_cast<double>(n_bins) * width * rng.uniform();
        const BinWindow w{start, start + static_cast<double>(n_bins) * width, width};
        REQUIRE(w.bins() == n_bins);
        std::vector<double> align(50);
        for (auto& a : align)
            a = rng.uniform() < 0.1 ? not_a_number : 30.0 * rng.uniform(); // unsorted, overlapping
        SpikeTrains s = random_trains(seed, 12, 0.0, 30.0, align, w);
        INFO("seed " << seed << " window [" << w.start << ", " << w.stop << ") width " << width);
        require_same(bin_spikes(s, align, w), brute_force(s, align, w));
    }
}

TEST_CASE("counts do not depend on the thread count", "[binning]") {
    const BinWindow w{-0.5, 0.5, 0.01};
    std::vector<double> align(200);
    for (std::size_t i = 0; i < align.size(); ++i)
        align[i] = 0.5 + static_cast<double>(i);
    SpikeTrains s = random_trains(77, 97, 0.0, 201.0, align, w);
    CountTensor one, two;
    {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
        one = bin_spikes(s, align, w);
    }
    {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 2);
        two = bin_spikes(s, align, w);
    }
    require_same(one, two);
    // And both equal the definition on a few units and trials (the brute force is slow).
    SpikeTrains few = make_trains({std::vector<double>(s.unit(0).begin(), s.unit(0).end()),
                                   std::vector<double>(s.unit(96).begin(), s.unit(96).end())});
    std::vector<double> first(align.begin(), align.begin() + 10);
    CountTensor ref = brute_force(few, first, w);
    for (std::size_t t = 0; t < ref.n_trials; ++t)
        for (std::size_t b = 0; b < ref.n_bins; ++b) {
            REQUIRE(one.at(t, 0, b) == ref.at(t, 0, b));
            REQUIRE(one.at(t, 96, b) == ref.at(t, 1, b));
        }
}
