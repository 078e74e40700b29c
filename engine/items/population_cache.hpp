#pragma once
// A rank's binned populations, kept in memory between the items that analyse them (docs/DESIGN.md
// "Data locality"): a population's PCA, cvPCA, FA, decoding, null blocks, geometry and every
// pseudo-population resample of its region read the same counts, which otherwise come back from
// the bin item's file once per item. Least recently used first out, within a byte budget; a
// population larger than the budget is handed out and not kept. Main thread only (prepare and
// commit), so it takes no lock. What is cached is the population the file read would give, so
// results do not depend on the budget (tests/mpi: the cache on and off give the same bits).

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <unordered_map>

#include "engine/items/population.hpp"

namespace neuropop::engine {

class PopulationCache {
public:
    explicit PopulationCache(std::uint64_t budget_bytes) : budget_(budget_bytes) {}

    // The population counted by bin item `bin_id`: kept in memory (a hit), else `load()` (a miss).
    std::shared_ptr<const Population> get(std::uint64_t bin_id,
                                          const std::function<Population()>& load);
    // A population this rank has just counted (its bin item ran here): no read needed later.
    void put(std::uint64_t bin_id, std::shared_ptr<const Population> pop);

    struct Counts {
        std::uint64_t hits = 0, misses = 0, evictions = 0;
    };
    Counts counts() const { return counts_; }
    std::uint64_t held_bytes() const { return used_; }
    std::uint64_t budget() const { return budget_; }

    // Memory a population holds: its counts and per-trial vectors (the dominant terms).
    static std::uint64_t bytes_of(const Population& pop);

private:
    struct Entry {
        std::uint64_t id;
        std::shared_ptr<const Population> pop;
        std::uint64_t bytes;
    };
    void insert(std::uint64_t id, std::shared_ptr<const Population> pop);

    std::uint64_t budget_, used_ = 0;
    std::list<Entry> order_; // most recently used first
    std::unordered_map<std::uint64_t, std::list<Entry>::iterator> where_;
    Counts counts_;
};

} // namespace neuropop::engine
