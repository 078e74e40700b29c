#pragma once
// Counter-based randomness: every draw is a pure function of (job seed, work item, stream, draw
// index), so results do not depend on which rank or thread runs an item, nor in which order.
// Philox4x64-10 from Random123 (Debian: librandom123-dev).

#include <cstdint>

#include <Random123/philox.h>

namespace neuropop::kernels {

__extension__ using uint128 = unsigned __int128;

class CounterRng {
public:
    // `stream` separates independent uses inside one item (e.g. folds vs. permutations).
    CounterRng(std::uint64_t seed, std::uint64_t item, std::uint64_t stream = 0)
        : key_{{seed, item}}, stream_(stream) {}

    // The draw-th 64-bit value of this stream.
    std::uint64_t at(std::uint64_t draw) const {
        r123::Philox4x64::ctr_type ctr{{draw / 4, stream_, 0, 0}};
        return r123::Philox4x64()(ctr, key_)[static_cast<std::size_t>(draw % 4)];
    }
    // Sequential interface: next value, next uniform in [0, 1) with 53 random bits. One
    // Philox call yields four values; the block is kept so that sequential draws cost a
    // quarter of at() each (the values are exactly at(0), at(1), ...).
    std::uint64_t next() {
        const std::uint64_t block = counter_ / 4;
        if (block != block_) {
            block_ = block;
            r123::Philox4x64::ctr_type ctr{{block, stream_, 0, 0}};
            values_ = r123::Philox4x64()(ctr, key_);
        }
        return values_[static_cast<std::size_t>(counter_++ % 4)];
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    // Unbiased integer in [0, n) (Lemire's method with rejection).
    std::uint64_t below(std::uint64_t n);
    std::uint64_t draws_used() const { return counter_; }

private:
    r123::Philox4x64::key_type key_;
    std::uint64_t stream_;
    std::uint64_t counter_ = 0;
    std::uint64_t block_ = ~std::uint64_t{0}; // block held in values_; none yet
    r123::Philox4x64::ctr_type values_{};
};

inline std::uint64_t CounterRng::below(std::uint64_t n) {
    if (n <= 1) return 0;
    uint128 m = static_cast<uint128>(next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
        std::uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = static_cast<uint128>(next()) * n;
            low = static_cast<std::uint64_t>(m);
        }
    }
    return static_cast<std::uint64_t>(m >> 64);
}

// Fisher–Yates shuffle driven by a CounterRng.
template <typename It>
void shuffle(It first, It last, CounterRng& rng) {
    auto n = static_cast<std::uint64_t>(last - first);
    for (std::uint64_t i = n; i > 1; --i) {
        auto j = rng.below(i);
        using std::swap;
        swap(first[static_cast<std::ptrdiff_t>(i - 1)], first[static_cast<std::ptrdiff_t>(j)]);
    }
}

// The first `m` elements become a uniformly random m-subset in random order (the rest, in some
// order, is its complement): m draws instead of a full shuffle's n − 1, for sampling without
// replacement when only the chosen subset matters.
template <typename It>
void partial_shuffle(It first, It last, std::uint64_t m, CounterRng& rng) {
    const auto n = static_cast<std::uint64_t>(last - first);
    for (std::uint64_t i = 0; i < m && i + 1 < n; ++i) {
        const auto j = i + rng.below(n - i);
        using std::swap;
        swap(first[static_cast<std::ptrdiff_t>(i)], first[static_cast<std::ptrdiff_t>(j)]);
    }
}

} // namespace neuropop::kernels
