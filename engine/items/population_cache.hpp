#pragma once
// A rank's data kept in memory between the items that read it (docs/DESIGN.md "Data locality"):
// - binned populations: a population's PCA, cvPCA, FA, decoding, null blocks, geometry and every
//   pseudo-population resample of its region read the same counts, which otherwise come back
//   from the bin item's file once per item;
// - the item files this rank wrote that other items read (null blocks, pooled resamples, fold
//   blocks, per-session results), as their HDF5 images: a reader running on this rank (the
//   scheduler's affinity sends it here) reads the image instead of the file, through the same
//   reading code, so it gets the same block.
// Least recently used first out, within one byte budget; an entry larger than the budget is handed
// out and not kept. Main thread only (prepare and commit), so it takes no lock. What is cached is
// what the file read would give, so results do not depend on the budget (tests/mpi: the cache on
// and off give the same bits).

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

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

    // A pseudo-population's sources (bin id, population), kept alive after the item that pooled
    // them, until another pool replaces them: a region's resample and null
    // items run one after another on one rank (they share a scheduler key) and pool the same
    // sessions, which a budget smaller than the region would otherwise evict and read back for
    // every item. The pool counts against the budget (other populations and images make room
    // for it), so the rank holds at most the larger of the budget and the pool, which the item
    // needed whole anyway (docs/DESIGN.md "Memory per rank"); get() finds held populations too.
    // A budget of 0 (the cache off) holds nothing.
    void hold(std::vector<std::pair<std::uint64_t, std::shared_ptr<const Population>>> pool);
    // Lets go of the held populations whose bin ids are not in `ids`: called before another pool
    // loads, so that two pools are never held at once. They join the list as the most recently
    // used (the pool's first ones first), and the least recently used entries go until it fits
    // the budget.
    void keep_held(const std::vector<std::uint64_t>& ids);
    // Whether every bin id of `ids` is held: a pool within the held one (an animal's sessions of
    // a region whose sessions are held) is served from it, and the hold stays as it is.
    bool holds_all(const std::vector<std::uint64_t>& ids) const;
    // Whether bin id `id` is held.
    bool holds(std::uint64_t id) const;
    // Ends the hold (keep_held of none). For a rank that moves on to other data: a pool as large
    // as the budget would otherwise leave no room for its populations and images.
    void release_held();
    std::uint64_t held_count() const { return held_.size(); }

    // The image of item `id`'s file when this rank holds it (a hit), else null (a miss: the
    // caller reads the file).
    std::shared_ptr<const std::vector<char>> image(std::uint64_t id);
    // The image of an item file this rank has just written.
    void put_image(std::uint64_t id, std::shared_ptr<const std::vector<char>> image);
    // Forgets item `id`'s image (its last reader has read it).
    void drop_image(std::uint64_t id);

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
        std::uint64_t key; // a bin item's id, or an item's id | image_key
        std::shared_ptr<const Population> pop;
        std::shared_ptr<const std::vector<char>> image;
        std::uint64_t bytes;
    };
    static constexpr std::uint64_t image_key = std::uint64_t{1} << 63;
    using Where = std::unordered_map<std::uint64_t, std::list<Entry>::iterator>;
    void insert(Entry entry);
    void erase(Where::iterator it);
    // Evicts least recently used entries until `bytes` more fit beside the list and the pool.
    void make_room(std::uint64_t bytes);
    void recount_held();

    std::uint64_t budget_, used_ = 0;
    std::list<Entry> order_; // most recently used first
    Where where_;
    Counts counts_;
    std::vector<std::pair<std::uint64_t, std::shared_ptr<const Population>>> held_;
    std::uint64_t held_bytes_ = 0; // of held_
};

} // namespace neuropop::engine
