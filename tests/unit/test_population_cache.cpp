// engine/items/population_cache.hpp: a rank's binned populations, least recently used out first,
// within a byte budget, with every hit, miss and eviction counted.

#include <catch2/catch.hpp>

#include <memory>
#include <utility>
#include <vector>

#include "engine/items/population_cache.hpp"

using neuropop::engine::Population;
using neuropop::engine::PopulationCache;

namespace {

// A population of `trials` x 10 units x 10 bins whose first count tells it apart.
Population population(std::size_t trials, std::uint32_t tag) {
    Population p;
    p.trials = trials;
    p.units = 10;
    p.bins = 10;
    p.counts.assign(trials * 100, 0);
    p.counts[0] = tag;
    return p;
}

// What ItemExecutor::pool does with the cache: lets go of another pool, gets the pool's
// populations (counting in `loads` those read) and holds them.
void take_pool(PopulationCache& cache, const std::vector<std::uint64_t>& pool, int& loads) {
    cache.keep_held(pool);
    std::vector<std::pair<std::uint64_t, std::shared_ptr<const Population>>> held;
    for (auto id : pool)
        held.emplace_back(id, cache.get(id, [&loads, id] {
            ++loads;
            return population(100, static_cast<std::uint32_t>(id));
        }));
    cache.hold(held);
}

} // namespace

TEST_CASE("population cache: a second get is a hit and does not load again", "[unit]") {
    PopulationCache cache(1u << 20);
    int loads = 0;
    const auto load = [&] {
        ++loads;
        return population(10, 7);
    };
    auto a = cache.get(3, load);
    auto b = cache.get(3, load);
    REQUIRE(loads == 1);
    REQUIRE(a == b);
    REQUIRE(b->counts[0] == 7);
    REQUIRE(cache.counts().hits == 1);
    REQUIRE(cache.counts().misses == 1);
    REQUIRE(cache.held_bytes() == PopulationCache::bytes_of(*a));
}

TEST_CASE("population cache: the least recently used population leaves first, within the budget",
          "[unit]") {
    const auto one = PopulationCache::bytes_of(population(100, 0)); // ~40 kB
    PopulationCache cache(2 * one + one / 2);                       // room for two
    int loads = 0;
    const auto load = [&](std::uint32_t tag) {
        return [&loads, tag] {
            ++loads;
            return population(100, tag);
        };
    };
    cache.get(1, load(1));
    cache.get(2, load(2));
    cache.get(1, load(1)); // 1 is now the most recent
    cache.get(3, load(3)); // evicts 2
    REQUIRE(cache.counts().evictions == 1);
    REQUIRE(cache.held_bytes() <= 2 * one + one / 2);
    cache.get(1, load(1));
    REQUIRE(loads == 3); // 1 stayed
    REQUIRE(cache.get(2, load(2))->counts[0] == 2);
    REQUIRE(loads == 4); // 2 had gone
}

TEST_CASE("population cache: a population larger than the budget is handed out, not kept",
          "[unit]") {
    PopulationCache cache(1000);
    int loads = 0;
    const auto load = [&] {
        ++loads;
        return population(100, 9);
    };
    REQUIRE(cache.get(1, load)->counts[0] == 9);
    REQUIRE(cache.get(1, load)->counts[0] == 9);
    REQUIRE(loads == 2);
    REQUIRE(cache.held_bytes() == 0);
    REQUIRE(cache.counts().evictions == 0);
}

TEST_CASE("population cache: a put population is a hit; a budget of 0 keeps nothing", "[unit]") {
    PopulationCache cache(1u << 20);
    cache.put(4, std::make_shared<const Population>(population(5, 4)));
    int loads = 0;
    REQUIRE(cache
                .get(4,
                     [&] {
                         ++loads;
                         return population(5, 0);
                     })
                ->counts[0] == 4);
    REQUIRE(loads == 0);
    REQUIRE(cache.counts().hits == 1);

    PopulationCache off(0);
    off.put(4, std::make_shared<const Population>(population(5, 4)));
    off.get(4, [&] {
        ++loads;
        return population(5, 4);
    });
    REQUIRE(loads == 1);
    REQUIRE(off.held_bytes() == 0);
}

TEST_CASE("population cache: item images share the budget with populations, keyed apart from "
          "them, and leave when dropped",
          "[unit]") {
    const auto one = PopulationCache::bytes_of(population(100, 0)); // ~40 kB
    PopulationCache cache(2 * one + one / 2);
    const auto image = [&](char tag) {
        return std::make_shared<const std::vector<char>>(one - sizeof(std::vector<char>), tag);
    };
    int loads = 0;
    const auto load = [&] {
        ++loads;
        return population(100, 5);
    };
    cache.get(3, load);
    // Item 3's image is not bin item 3's population.
    REQUIRE(cache.image(3) == nullptr);
    REQUIRE(cache.counts().misses == 2);
    cache.put_image(3, image('a'));
    REQUIRE(cache.held_bytes() == 2 * one);
    const auto held = cache.image(3);
    REQUIRE(held != nullptr);
    REQUIRE(held->front() == 'a');
    REQUIRE(cache.counts().hits == 1);
    cache.get(3, load);
    REQUIRE(loads == 1);
    // A third entry evicts the least recently used, here the image.
    cache.put_image(4, image('b'));
    REQUIRE(cache.counts().evictions == 1);
    REQUIRE(cache.image(3) == nullptr);
    REQUIRE(held->front() == 'a'); // a reader's copy outlives the eviction
    // Dropped: its bytes are free again, without an eviction counted.
    cache.drop_image(4);
    REQUIRE(cache.image(4) == nullptr);
    REQUIRE(cache.held_bytes() == one);
    REQUIRE(cache.counts().evictions == 1);
    // No budget: nothing is kept.
    PopulationCache off(0);
    off.put_image(1, image('c'));
    REQUIRE(off.image(1) == nullptr);
    REQUIRE(off.held_bytes() == 0);
}

TEST_CASE("population cache: a held pool outlives the budget until another pool replaces it",
          "[unit]") {
    // A budget of one population and a pool of three: without hold, every pooled item after the
    // first would load two or three of them again.
    const auto one = PopulationCache::bytes_of(population(100, 0));
    PopulationCache cache(one + one / 2);
    int loads = 0;
    const auto load = [&](std::uint32_t tag) {
        return [&loads, tag] {
            ++loads;
            return population(100, tag);
        };
    };
    const std::vector<std::uint64_t> pool{1, 2, 3};
    take_pool(cache, pool, loads);
    REQUIRE(loads == 3);
    REQUIRE(cache.counts().evictions == 2); // the budget keeps one
    REQUIRE(cache.held_bytes() == 0);       // ... which makes room for the held pool
    take_pool(cache, pool, loads);          // the pool's next item: nothing read
    REQUIRE(loads == 3);
    REQUIRE(cache.get(2, load(2))->counts[0] == 2); // any item finds a held population
    REQUIRE(loads == 3);
    // Another pool lets go of what it does not share before it loads.
    cache.keep_held({3, 4});
    REQUIRE(cache.held_count() == 1);
    cache.get(1, load(1)); // no room beside the held one in a budget of one and a half
    REQUIRE(loads == 4);
    REQUIRE(cache.held_bytes() == 0);
    cache.get(1, load(1));
    REQUIRE(loads == 5);
    cache.keep_held({}); // no pool: the budget is the list's again
    cache.get(1, load(1));
    cache.get(1, load(1));
    REQUIRE(loads == 6);
    REQUIRE(cache.held_bytes() == one);

    // The cache off (budget 0) holds nothing either.
    PopulationCache off(0);
    off.hold({{1, std::make_shared<const Population>(population(1, 1))}});
    REQUIRE(off.held_count() == 0);
}

TEST_CASE("population cache: a pool within the held one is served from it, and a released hold "
          "leaves what fits the budget",
          "[unit]") {
    const auto one = PopulationCache::bytes_of(population(100, 0));
    PopulationCache cache(2 * one + one / 2); // room for two of a pool of four
    int loads = 0;
    const auto load = [&](std::uint32_t tag) {
        return [&loads, tag] {
            ++loads;
            return population(100, tag);
        };
    };
    std::vector<std::pair<std::uint64_t, std::shared_ptr<const Population>>> held;
    for (std::uint64_t id = 1; id <= 4; ++id)
        held.emplace_back(id, cache.get(id, load(static_cast<std::uint32_t>(id))));
    cache.hold(held);
    REQUIRE(loads == 4);
    REQUIRE(cache.holds_all({2, 3}));
    REQUIRE(cache.holds(4));
    REQUIRE_FALSE(cache.holds_all({3, 5}));
    REQUIRE_FALSE(cache.holds(5));
    // The pool fills the budget: nothing else is kept while it is held.
    cache.get(5, load(5));
    cache.get(5, load(5));
    REQUIRE(loads == 6);
    // Released: the list keeps two of the four (the budget), the most recently used first, and
    // the population read next is kept beside one of them.
    cache.release_held();
    REQUIRE(cache.held_count() == 0);
    REQUIRE(cache.held_bytes() == 2 * one);
    REQUIRE(cache.get(1, load(1))->counts[0] == 1);
    REQUIRE(loads == 6);
    cache.get(5, load(5));
    cache.get(5, load(5));
    REQUIRE(loads == 7);
    REQUIRE(cache.held_bytes() == 2 * one);
    // Nothing held: nothing within it.
    REQUIRE_FALSE(cache.holds_all({1}));
}

TEST_CASE("population cache: a pool let go for another joins the list where the budget allows",
          "[unit]") {
    // Two animals' pools of two populations each, a budget for five: going from one to the
    // other and back reads nothing again.
    const auto one = PopulationCache::bytes_of(population(100, 0));
    PopulationCache cache(5 * one);
    int loads = 0;
    take_pool(cache, {1, 2}, loads);
    take_pool(cache, {3, 4}, loads);
    REQUIRE(loads == 4);
    REQUIRE(cache.held_count() == 2);
    REQUIRE(cache.held_bytes() == 2 * one); // 1 and 2, in the list beside the held 3 and 4
    take_pool(cache, {1, 2}, loads);
    take_pool(cache, {3, 4}, loads);
    REQUIRE(loads == 4);
    // A budget for three: the pool let go keeps one of its two beside the held two.
    PopulationCache small(3 * one);
    int small_loads = 0;
    take_pool(small, {1, 2}, small_loads);
    take_pool(small, {3, 4}, small_loads);
    REQUIRE(small.held_bytes() == one);
    take_pool(small, {1, 2}, small_loads);
    REQUIRE(small_loads == 5);
}
