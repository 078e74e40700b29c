// Pseudo-population pooling (engine/items/pseudo_pool.hpp): every pseudo-trial takes one real
// trial of the right condition from each session, units of a session stay together, draws are
// without replacement and reproducible, and the null shuffles labels within a session.

#include <catch2/catch.hpp>

#include <set>

#include "engine/items/pseudo_pool.hpp"

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

TEST_CASE("pool's null shuffles each session's labels before drawing") {
    const auto p0 = fake(0, 40, 2);
    const std::vector<engine::PoolSource> sources{{&p0, alternating(40)}};
    kernels::CounterRng rng(3, 1, 0);
    const auto pooled = engine::pool(sources, {"a", "b"}, {20, true}, rng);
    // All 20 "a" pseudo-trials use distinct source trials; with shuffled labels they are no
    // longer all the even ("a") trials — and all 40 trials are used exactly once.
    std::set<std::uint32_t> all;
    std::size_t odd_in_a = 0;
    for (std::size_t t = 0; t < pooled.trials; ++t) {
        const auto src = pooled.at(t, 0, 0) / 10;
        all.insert(src);
        if (pooled.trial_conditions[t] == "a" && src % 2 == 1) ++odd_in_a;
    }
    REQUIRE(all.size() == 40);
    REQUIRE(odd_in_a > 0);
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
