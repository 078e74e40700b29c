// Pseudo-population pooling (engine/items/pseudo_pool.hpp): every pseudo-trial takes one real
// trial of the right condition from each session, units of a session stay together, draws are
// without replacement and reproducible, and the null permutes each session's labels within that
// session, uniformly (exact and chi-square checks).

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "engine/items/pseudo_pool.hpp"
#include "kernels/stats.hpp"
#include "tests/support/support.hpp"

using namespace neuropop;

namespace {

// counts encode where they came from: 1000 * session + 10 * trial + unit (one bin, 2 bins wide
// values repeat with +1 in bin 1), so a pooled value names its source trial.
engine::Population fake(std::size_t session, std::size_t trials, std::size_t units) {
    engine::Population p;
    p.trials = trials;
    p.units = units;
    p.bins = 2;
    p.bin_edges = {0.0, 0.1, 0.2};
    for (std::size_t u = 0; u < units; ++u)
        p.unit_ids.push_back(static_cast<std::int64_t>(u));
    for (std::size_t t = 0; t < trials; ++t)
        for (std::size_t u = 0; u < units; ++u)
            for (std::size_t b = 0; b < 2; ++b)
                p.counts.push_back(static_cast<std::uint32_t>(1000 * session + 10 * t + u + b));
    return p;
}

std::vector<std::string> alternating(std::size_t n) {
    std::vector<std::string> l;
    for (std::size_t t = 0; t < n; ++t)
        l.push_back(t % 2 == 0 ? "a" : "b");
    return l;
}

} // namespace

TEST_CASE("pool draws each pseudo-trial from one trial of the right condition per session") {
    const auto p0 = fake(0, 20, 3), p1 = fake(1, 30, 2);
    const std::vector<engine::PoolSource> sources{{&p0, alternating(20)}, {&p1, alternating(30)}};
    const auto conditions = engine::common_conditions(sources, 6);
    REQUIRE(conditions == std::vector<std::string>{"a", "b"});
    kernels::CounterRng rng(5, 9, 0);
    const auto pooled = engine::pool(sources, conditions, {6, false}, rng);
    REQUIRE(pooled.trials == 12);
    REQUIRE(pooled.units == 5);
    REQUIRE(pooled.trials_of.size() == 2);
    for (std::size_t c = 0; c < 2; ++c) {
        std::set<std::uint32_t> used0, used1;
        for (auto t : pooled.trials_of[c]) {
            REQUIRE(pooled.trial_conditions[t] == conditions[c]);
            // Session 0's units (0..2) share one source trial, session 1's (3..4) another.
            const auto t0 = (pooled.at(t, 0, 0) % 1000) / 10, t1 = (pooled.at(t, 3, 0) % 1000) / 10;
            for (std::size_t u = 0; u < 3; ++u)
                REQUIRE(pooled.at(t, u, 0) == 10 * t0 + u);
            for (std::size_t u = 0; u < 2; ++u)
                REQUIRE(pooled.at(t, 3 + u, 0) == 1000 + 10 * t1 + u);
            REQUIRE(pooled.at(t, 4, 1) == pooled.at(t, 4, 0) + 1);
            // The source trials carry the pooled condition's label ("a": even trials).
            REQUIRE((t0 % 2 == 0) == (conditions[c] == "a"));
            REQUIRE((t1 % 2 == 0) == (conditions[c] == "a"));
            used0.insert(t0);
            used1.insert(t1);
        }
        // Without replacement: six distinct trials of each session per condition.
        REQUIRE(used0.size() == 6);
        REQUIRE(used1.size() == 6);
    }
}

TEST_CASE("pool is reproducible from the rng key and changes with it") {
    const auto p0 = fake(0, 40, 2);
    const std::vector<engine::PoolSource> sources{{&p0, alternating(40)}};
    kernels::CounterRng a(1, 2, 3), b(1, 2, 3), c(1, 2, 4);
    const auto x = engine::pool(sources, {"a", "b"}, {10, false}, a);
    REQUIRE(x.counts == engine::pool(sources, {"a", "b"}, {10, false}, b).counts);
    REQUIRE(x.counts != engine::pool(sources, {"a", "b"}, {10, false}, c).counts);
}

namespace {

// Session si's shuffled labels as pool's null drew them: 1 where source trial t went into an
// "a" pseudo-trial. With 20 of 40 trials drawn per condition every trial is used once, so this
// is the session's whole label permutation.
std::vector<int> labelled_a(const engine::Population& pooled,
                            const std::vector<std::vector<std::size_t>>& source_trials,
                            std::size_t si) {
    std::vector<int> a(40, -1);
    for (std::size_t t = 0; t < pooled.trials; ++t) {
        auto& slot = a.at(source_trials.at(si).at(t));
        REQUIRE(slot == -1); // each source trial once
        slot = pooled.trial_conditions[t] == "a" ? 1 : 0;
    }
    return a;
}

} // namespace

TEST_CASE("pool's null permutes each session's labels within the session, uniformly") {
    // Two sessions of 40 trials labelled a, b, a, b...; 20 per condition uses every trial.
    const auto p0 = fake(0, 40, 2), p1 = fake(1, 40, 1);
    const std::vector<engine::PoolSource> sources{{&p0, alternating(40)}, {&p1, alternating(40)}};
    constexpr std::size_t R = 2000;
    // k = how many of session 0's "b" (odd) trials were relabelled "a", per draw.
    std::vector<std::size_t> k_count(21, 0);
    std::vector<double> a_count(40, 0.0); // per trial of session 0: draws labelled "a"
    std::size_t same_in_both = 0;
    for (std::size_t r = 0; r < R; ++r) {
        kernels::CounterRng rng(3, r, 0);
        std::vector<std::vector<std::size_t>> source_trials;
        const auto pooled = engine::pool(sources, {"a", "b"}, {20, true}, rng, &source_trials);
        REQUIRE(pooled.trials == 40);
        const auto a0 = labelled_a(pooled, source_trials, 0);
        const auto a1 = labelled_a(pooled, source_trials, 1);
        // A permutation of each session's own labels: every trial used, 20 "a" and 20 "b".
        REQUIRE(std::count(a0.begin(), a0.end(), 1) == 20);
        REQUIRE(std::count(a1.begin(), a1.end(), 1) == 20);
        // The pooled counts come from the trial source_trials names (count = 10 * trial + unit).
        for (std::size_t t = 0; t < pooled.trials; ++t)
            REQUIRE(pooled.at(t, 0, 0) == 10 * source_trials[0][t]);
        std::size_t k = 0;
        for (std::size_t t = 1; t < 40; t += 2)
            k += static_cast<std::size_t>(a0[t]);
        ++k_count[k];
        for (std::size_t t = 0; t < 40; ++t)
            a_count[t] += static_cast<double>(a0[t]);
        if (a0 == a1) ++same_in_both;
    }
    // Each session has its own shuffle: under independent uniform permutations two sessions
    // agree with probability 1 / C(40, 20) = 7.3e-12 per draw; a shared permutation always does.
    CHECK(same_in_both == 0);

    // Under a uniform permutation k is hypergeometric (40 trials, 20 odd, 20 relabelled "a"):
    // P(k) = C(20, k) C(20, 20 - k) / C(40, 20). Pearson's chi-square over k <= 7, 8 .. 12,
    // >= 13 (expected counts >= 113 at R = 2000), 6 degrees of freedom, alpha = 1e-6: the
    // survival function in closed form (kernels::chi2_sf_even). No shuffle gives k = 0 always,
    // a shuffle of only part of the trials moves mass to small k.
    const auto log_choose = [](double n, double m) {
        return std::lgamma(n + 1) - std::lgamma(m + 1) - std::lgamma(n - m + 1);
    };
    std::vector<double> expected(7, 0.0), observed(7, 0.0);
    for (std::size_t k = 0; k <= 20; ++k) {
        const auto d = static_cast<double>(k);
        const double pk = std::exp(log_choose(20, d) + log_choose(20, 20 - d) - log_choose(40, 20));
        const std::size_t bin = std::min<std::size_t>(std::max<std::size_t>(k, 7), 13) - 7;
        expected[bin] += pk * static_cast<double>(R);
        observed[bin] += static_cast<double>(k_count[k]);
    }
    double x2 = 0.0;
    for (std::size_t b = 0; b < 7; ++b)
        x2 += (observed[b] - expected[b]) * (observed[b] - expected[b]) / expected[b];
    INFO("chi-square of k over 7 bins: " << x2);
    CHECK(kernels::chi2_sf_even(x2, 3) > 1e-6);

    // Every trial is equally likely to be labelled "a" (a biased shuffle favours positions):
    // the indicators of a uniform 20-of-40 subset have covariance (1/4)(40/39)(I - J/40), so
    // (39/40) sum_t (a_t - R/2)^2 / (R/4) is asymptotically chi-square with 39 degrees of freedom;
    // alpha = 1e-6, critical value from scipy.stats.chi2.isf.
    double q = 0.0;
    const auto draws = static_cast<double>(R);
    for (double c : a_count)
        q += (c - draws / 2.0) * (c - draws / 2.0) / (draws / 4.0);
    q *= 39.0 / 40.0;
    const double critical = neuropop::test::parse_doubles(neuropop::test::run_python(
        "from scipy.stats import chi2\nprint(repr(chi2.isf(1e-6, 39)))\n"))[0];
    INFO("position statistic " << q << ", critical value " << critical);
    CHECK(q < critical);
}

TEST_CASE("common_conditions names the session lacking a condition; pool refuses it") {
    const auto p0 = fake(0, 20, 1), p1 = fake(1, 9, 1);
    std::vector<std::string> l1(9, "a");
    l1[0] = "b";
    const std::vector<engine::PoolSource> sources{{&p0, alternating(20)}, {&p1, l1}};
    std::vector<std::string> missing;
    REQUIRE(engine::common_conditions(sources, 5, &missing) == std::vector<std::string>{"a"});
    REQUIRE(missing == std::vector<std::string>{"1: label 'b' has 1 trials, fewer than 5"});
    kernels::CounterRng rng(1, 1, 1);
    REQUIRE_THROWS_WITH(engine::pool(sources, {"a", "b"}, {5, false}, rng),
                        Catch::Contains("source 1 has 1 trials of 'b'"));
}
