#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <vector>

#include "kernels/rng.hpp"

using neuropop::kernels::CounterRng;

TEST_CASE("counter RNG is a pure function of (seed, item, stream, draw)", "[rng]") {
    CounterRng a(42, 7, 1), b(42, 7, 1), c(42, 8, 1), d(42, 7, 2);
    for (int i = 0; i < 10; ++i) {
        auto x = a.next();
        CHECK(x == b.next());
        CHECK(x == CounterRng(42, 7, 1).at(static_cast<std::uint64_t>(i)));
        CHECK(x != c.next());
        CHECK(x != d.next());
    }
}

TEST_CASE("counter RNG uniform and below are unbiased within binomial bounds", "[rng]") {
    // 120 000 draws of below(6): each face has p = 1/6, sd = sqrt(n p (1-p)) = 129.1; 5 sd bound
    // (two-sided p ~ 6e-7 per face) keeps the test from flaking while catching modulo bias.
    CounterRng rng(2024, 1);
    std::vector<int> counts(6, 0);
    const int n = 120000;
    double sum = 0;
    for (int i = 0; i < n; ++i) {
        counts[rng.below(6)]++;
        sum += rng.uniform();
    }
    for (int k : counts)
        CHECK(std::abs(k - n / 6) < 5 * 129.1);
    // mean of n uniforms: sd = sqrt(1/12/n) = 8.3e-4
    CHECK(std::abs(sum / n - 0.5) < 5 * 8.3e-4);
}

TEST_CASE("shuffle is a permutation and reproducible", "[rng]") {
    std::vector<int> v(100);
    std::iota(v.begin(), v.end(), 0);
    auto w = v;
    CounterRng r1(1, 2), r2(1, 2);
    neuropop::kernels::shuffle(v.begin(), v.end(), r1);
    neuropop::kernels::shuffle(w.begin(), w.end(), r2);
    CHECK(v == w);
    auto s = v;
    std::sort(s.begin(), s.end());
    for (int i = 0; i < 100; ++i)
        CHECK(s[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("sequential draws equal at() across Philox blocks, interleaved with at()", "[rng]") {
    // next() keeps each four-value Philox block; the values must still be at(0), at(1), ...
    CounterRng seq(7, 3, 5);
    const CounterRng ref(7, 3, 5);
    for (std::uint64_t i = 0; i < 1001; ++i) {
        CHECK(seq.next() == ref.at(i));
        if (i % 97 == 0) CHECK(seq.at(i * 13) == ref.at(i * 13)); // at() leaves the cache alone
    }
    CHECK(seq.draws_used() == 1001);
}

TEST_CASE("partial shuffle draws uniform subsets and keeps a permutation", "[rng]") {
    // 2 of 5: ten subsets, each p = 0.1; 50 000 draws -> sd = sqrt(n p (1 - p)) = 67.1; a 5 sd
    // bound per subset catches a biased subset (e.g. one favouring the first elements).
    CounterRng rng(11, 4);
    std::vector<int> counts(25, 0);
    std::vector<int> v(5);
    std::iota(v.begin(), v.end(), 0);
    const int n = 50000;
    for (int i = 0; i < n; ++i) {
        neuropop::kernels::partial_shuffle(v.begin(), v.end(), 2, rng);
        counts[static_cast<std::size_t>(std::min(v[0], v[1]) * 5 + std::max(v[0], v[1]))]++;
        auto s = v;
        std::sort(s.begin(), s.end());
        REQUIRE(s == std::vector<int>{0, 1, 2, 3, 4});
    }
    int subsets = 0;
    for (int lo = 0; lo < 5; ++lo)
        for (int hi = lo + 1; hi < 5; ++hi, ++subsets)
            CHECK(std::abs(counts[static_cast<std::size_t>(lo * 5 + hi)] - n / 10) < 5 * 67.1);
    CHECK(subsets == 10);
}
