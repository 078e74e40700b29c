#include "engine/items/population_cache.hpp"

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
    ++counts_.misses;
    auto pop = std::make_shared<const Population>(load());
    insert(bin_id, pop);
    return pop;
}

void PopulationCache::put(std::uint64_t bin_id, std::shared_ptr<const Population> pop) {
    if (where_.count(bin_id) != 0) return;
    insert(bin_id, std::move(pop));
}

void PopulationCache::insert(std::uint64_t id, std::shared_ptr<const Population> pop) {
    const auto bytes = bytes_of(*pop);
    if (bytes > budget_) return;
    while (used_ + bytes > budget_ && !order_.empty()) {
        used_ -= order_.back().bytes;
        where_.erase(order_.back().id);
        order_.pop_back();
        ++counts_.evictions;
    }
    order_.push_front({id, std::move(pop), bytes});
    where_[id] = order_.begin();
    used_ += bytes;
}

} // namespace neuropop::engine
