// Planner of the coupled Poisson GLM (docs/ANALYSES.md §7): one stage-2 item per population.

#include <string>

#include "jobs/coupling_shape.hpp"
#include "jobs/planner_detail.hpp"

namespace neuropop::jobs::detail {

namespace {

void skip(Plan& plan, const Population& p, const std::string& why) {
    plan.skipped.push_back(plan.sessions[p.session].key + "/" + p.region + ": coupling: " + why);
}

// Newton fits per unit: 3 models × λ grid × (folds + the final refit, counted as one more fold),
// about 5 iterations each, each O(n d²) with n = trials × GLM bins rows and d columns (stimulus
// basis × conditions + units × history basis); the stimulus-only and uncoupled models are small
// beside the coupled one, so d is the coupled model's.
double coupling_cost(const JobSpec& spec, const Population& p, const CouplingShape& shape) {
    const auto& c = spec.coupling;
    const double n = p.trials * static_cast<double>(shape.bins);
    const double d = p.conditions * static_cast<double>(c.stimulus_basis) +
                     p.units * static_cast<double>(c.history_basis);
    const double fits = static_cast<double>(c.lambdas.size()) * static_cast<double>(c.folds + 1);
    return p.units * fits * 5.0 * n * d * d;
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
    item.cost = coupling_cost(spec, p, *shape);
    add_item(plan, std::move(item));
}

} // namespace neuropop::jobs::detail
