// Planner of the coupled Poisson GLM (docs/ANALYSES.md §7): one stage-2 item per population, and
// one per session and coupling.pairs region pair.

#include <algorithm>
#include <string>

#include "jobs/coupling_shape.hpp"
#include "jobs/planner_detail.hpp"

namespace neuropop::jobs::detail {

namespace {

void skip(Plan& plan, const Population& p, const std::string& why) {
    plan.skipped.push_back(plan.sessions[p.session].key + "/" + p.region + ": coupling: " + why);
}

// Newton fits per fitted unit: 3 models × λ grid × (folds + the final refit, counted as one more
// fold), about 5 iterations each, each O(n d²) with n = trials × GLM bins rows and d columns
// (stimulus basis × conditions + units × history basis, `units` every unit whose history is a
// covariate); the stimulus-only and uncoupled models are small beside the coupled one, so d is
// the coupled model's.
double coupling_cost(const JobSpec& spec, const Population& p, double fitted, double units,
                     const CouplingShape& shape) {
    const auto& c = spec.coupling;
    const double n = p.trials * static_cast<double>(shape.bins);
    const double d = p.conditions * static_cast<double>(c.stimulus_basis) +
                     units * static_cast<double>(c.history_basis);
    const double fits = static_cast<double>(c.lambdas.size()) * static_cast<double>(c.folds + 1);
    return fitted * fits * 5.0 * n * d * d;
}

} // namespace

void add_coupling_items(const PlanContext& ctx, const Population& p, Plan& plan) {
    const auto& spec = ctx.spec;
    if (!spec.coupling.enabled) return;
    const auto shape = coupling_shape(spec); // the job checks refused a shape that does not fit
    if (!shape) return;
    const auto units = static_cast<std::size_t>(p.units);
    if (units < 2) {
        skip(plan, p, "1 unit; coupling needs 2");
        return;
    }
    if (units > spec.coupling.max_units) {
        skip(plan, p,
             std::to_string(units) + " units, more than coupling.max_units = " +
                 std::to_string(spec.coupling.max_units) +
                 " (the coupled fit's cost grows as units^3)");
        return;
    }
    if (p.trials < static_cast<double>(spec.coupling.folds)) {
        skip(plan, p,
             std::to_string(static_cast<std::size_t>(p.trials)) +
                 " aligned trials, fewer than coupling.folds = " +
                 std::to_string(spec.coupling.folds));
        return;
    }
    WorkItem item;
    item.kind = ItemKind::Coupling;
    item.session = p.session;
    item.session_key = plan.sessions[p.session].key;
    item.region = p.region;
    item.needs = {p.bin_item};
    item.cost = coupling_cost(spec, p, p.units, p.units, *shape);
    add_item(plan, std::move(item));
}

std::string coupling_pair_name(const std::string& source, const std::string& target) {
    return source + "__" + target;
}

void add_coupling_pair_items(const PlanContext& ctx, Plan& plan) {
    const auto& spec = ctx.spec;
    const auto& c = spec.coupling;
    if (!spec.coupling.enabled || (!c.all_pairs && c.pairs.empty())) return;
    const auto shape = coupling_shape(spec);
    if (!shape) return;
    for (const auto& s : ctx.populations)
        for (const auto& t : ctx.populations) {
            if (s.session != t.session || s.region == t.region) continue;
            if (!c.all_pairs && std::find(c.pairs.begin(), c.pairs.end(),
                                          std::make_pair(s.region, t.region)) == c.pairs.end())
                continue;
            const auto& key = plan.sessions[s.session].key;
            const auto units = static_cast<std::size_t>(s.units + t.units);
            std::string why;
            if (units > c.max_units)
                why = std::to_string(units) +
                      " units in the two regions, more than "
                      "coupling.max_units = " +
                      std::to_string(c.max_units);
            else if (t.trials < static_cast<double>(c.folds))
                why = std::to_string(static_cast<std::size_t>(t.trials)) +
                      " aligned trials, fewer than coupling.folds = " + std::to_string(c.folds);
            if (!why.empty()) {
                plan.skipped.push_back(key + "/" + s.region + ">" + t.region +
                                       ": coupling pair: " + why);
                continue;
            }
            WorkItem item;
            item.kind = ItemKind::CouplingPair;
            item.session = s.session;
            item.session_key = key;
            item.region = s.region;
            item.target = t.region;
            item.scope = "coupling_pairs/" + coupling_pair_name(s.region, t.region);
            item.needs = {s.bin_item, t.bin_item};
            item.cost = coupling_cost(spec, t, t.units, s.units + t.units, *shape);
            add_item(plan, std::move(item));
        }
}

} // namespace neuropop::jobs::detail
