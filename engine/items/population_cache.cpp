#include "engine/items/population_cache.hpp"

#include <algorithm>

namespace neuropop::engine {

std::uint64_t PopulationCache::bytes_of(const Population& pop) {
    std::uint64_t b = sizeof(Population) + pop.counts.size() * sizeof(std::uint32_t) +
                      (pop.unit_ids.size() + pop.trial_ids.size()) * sizeof(std::int64_t) +
                      pop.bin_edges.size() * sizeof(double);
    for (const auto& c : pop.trial_conditions)
        b += sizeof(std::string) + c.size();
    for (const auto& t : pop.trials_of)
        b += t.size() * sizeof(std::size_t);
    for (const auto& [name, col] : pop.columns) {
        b += col.numbers.size() * sizeof(double);
        for (const auto& s : col.strings)
            b += sizeof(std::string) + s.size();
    }
    return b;
}

std::shared_ptr<const Population> PopulationCache::get(std::uint64_t bin_id,
                                                       const std::function<Population()>& load) {
    if (auto it = where_.find(bin_id); it != where_.end()) {
        ++counts_.hits;
        order_.splice(order_.begin(), order_, it->second);
        return it->second->pop;
    }
    for (const auto& [id, held] : held_)
        if (id == bin_id) {
            ++counts_.hits;
            return held;
        }
    ++counts_.misses;
    auto pop = std::make_shared<const Population>(load());
    insert({bin_id, pop, nullptr, bytes_of(*pop)});
    return pop;
}

void PopulationCache::put(std::uint64_t bin_id, std::shared_ptr<const Population> pop) {
    if (where_.count(bin_id) != 0) return;
    const auto bytes = bytes_of(*pop);
    insert({bin_id, std::move(pop), nullptr, bytes});
}

void PopulationCache::hold(
    std::vector<std::pair<std::uint64_t, std::shared_ptr<const Population>>> pool) {
    if (budget_ == 0) return; // run.cache_mb = 0: nothing is kept between items
    held_ = std::move(pool);
    // The held pool counts against the budget: its populations leave the list (they are held),
    // and the least recently used others go until the list and the pool fit, so the rank holds
    // no more than the budget or the pool, whichever is larger (the item needed the pool whole).
    for (const auto& h : held_)
        if (const auto it = where_.find(h.first); it != where_.end()) erase(it);
    recount_held();
    make_room(0);
}

void PopulationCache::keep_held(const std::vector<std::uint64_t>& ids) {
    std::vector<std::pair<std::uint64_t, std::shared_ptr<const Population>>> kept, let_go;
    for (auto& h : held_)
        (std::find(ids.begin(), ids.end(), h.first) != ids.end() ? kept : let_go)
            .push_back(std::move(h));
    held_ = std::move(kept);
    recount_held();
    // The others join the list, where the budget allows: a rank going from one animal's pool
    // to another's of the same region and back finds them there.
    for (auto it = let_go.rbegin(); it != let_go.rend(); ++it)
        if (where_.count(it->first) == 0)
            insert({it->first, it->second, nullptr, bytes_of(*it->second)});
}

bool PopulationCache::holds(std::uint64_t id) const {
    return std::any_of(held_.begin(), held_.end(), [&](const auto& h) { return h.first == id; });
}

bool PopulationCache::holds_all(const std::vector<std::uint64_t>& ids) const {
    return !held_.empty() &&
           std::all_of(ids.begin(), ids.end(), [&](std::uint64_t id) { return holds(id); });
}

void PopulationCache::release_held() {
    keep_held({});
}

void PopulationCache::recount_held() {
    held_bytes_ = 0;
    for (const auto& h : held_)
        held_bytes_ += bytes_of(*h.second);
}

void PopulationCache::erase(Where::iterator it) {
    used_ -= it->second->bytes;
    order_.erase(it->second);
    where_.erase(it);
}

void PopulationCache::make_room(std::uint64_t bytes) {
    while (used_ + held_bytes_ + bytes > budget_ && !order_.empty()) {
        erase(where_.find(order_.back().key));
        ++counts_.evictions;
    }
}

std::shared_ptr<const std::vector<char>> PopulationCache::image(std::uint64_t id) {
    if (auto it = where_.find(id | image_key); it != where_.end()) {
        ++counts_.hits;
        order_.splice(order_.begin(), order_, it->second);
        return it->second->image;
    }
    ++counts_.misses;
    return nullptr;
}

void PopulationCache::put_image(std::uint64_t id, std::shared_ptr<const std::vector<char>> image) {
    if (where_.count(id | image_key) != 0) return;
    const auto bytes = sizeof(std::vector<char>) + image->size();
    insert({id | image_key, nullptr, std::move(image), bytes});
}

void PopulationCache::drop_image(std::uint64_t id) {
    if (const auto it = where_.find(id | image_key); it != where_.end()) erase(it);
}

void PopulationCache::insert(Entry entry) {
    if (entry.bytes > budget_) return;
    make_room(entry.bytes);
    if (used_ + held_bytes_ + entry.bytes > budget_) return; // a held pool fills the budget
    used_ += entry.bytes;
    const auto key = entry.key;
    order_.push_front(std::move(entry));
    where_[key] = order_.begin();
}

} // namespace neuropop::engine
