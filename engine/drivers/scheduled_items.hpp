#pragma once
// The plan's items as the master schedules them (needs, cost, affinity key, order), for
// `neuropop run` and `neuropop merge` alike.

#include <vector>

#include "engine/items/executor.hpp"
#include "engine/runtime/scheduler.hpp"

namespace neuropop::engine {

inline std::vector<SchedItem> scheduled_items(const PlanView& plan) {
    std::vector<SchedItem> items;
    auto after = scheduling_after(plan);
    for (const auto& i : plan.items)
        items.push_back(
            {i.id, i.name(), i.needs, i.cost, affinity_key(plan, i.id), std::move(after.at(i.id))});
    return items;
}

} // namespace neuropop::engine
