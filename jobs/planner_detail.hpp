#pragma once
// Internal to jobs/planner*.cpp and the registry (jobs/item_kind.cpp): the populations the
// planner found and the per-analysis planners the registry's rows name (decoding, geometry and
// pseudo-populations live in their own files).

#include <cstdint>
#include <string>
#include <vector>

#include "jobs/job_spec.hpp"
#include "jobs/plan.hpp"

namespace neuropop::jobs::detail {

// A population (session-region) and the sizes that set the cost of its items.
struct Population {
    std::size_t session = 0;
    std::string region;
    double units = 0, trials = 0, conditions = 1, spikes = 0;
    std::uint64_t bin_item = 0;
    std::size_t labelled_conditions = 0;   // conditions with at least one aligned trial
    std::size_t splittable_conditions = 0; // conditions with at least 2 aligned trials
};

// What every planner sees: the job, every population (with its bin item) in plan order, and
// the bins of the aligned window.
struct PlanContext {
    const JobSpec& spec;
    const std::vector<Population>& populations;
    double bins = 0;
};

// Appends `item` with id = its position and returns that id.
inline std::uint64_t add_item(Plan& plan, WorkItem item) {
    item.id = plan.items.size();
    plan.items.push_back(std::move(item));
    return plan.items.back().id;
}

// Per population (jobs/planner.cpp): one stage-2 item of the kind needing its bin item, or a
// skipped-list entry saying why the population cannot feed it.
void add_pca_items(const PlanContext& ctx, const Population& p, Plan& plan);
void add_cvpca_items(const PlanContext& ctx, const Population& p, Plan& plan);
void add_fa_items(const PlanContext& ctx, const Population& p, Plan& plan);
// Coupled Poisson GLM (jobs/planner_coupling.cpp): one item per population with 2 to
// coupling.max_units units and at least coupling.folds trials.
void add_coupling_items(const PlanContext& ctx, const Population& p, Plan& plan);
// Coupled GLM across region pairs (jobs/planner_coupling.cpp): one item per session and
// coupling.pairs pair, when coupling is enabled.
void add_coupling_pair_items(const PlanContext& ctx, Plan& plan);
// "<source>__<target>": the pair's group name under coupling_pairs/.
std::string coupling_pair_name(const std::string& source, const std::string& target);

// Stage 2 Decode and DecodeNull items per population and target, then stage 3 DecodeSummary
// items per target across regions (jobs/planner_decode.cpp).
void add_decode_items(const PlanContext& ctx, Plan& plan);
// Stage 2 Geometry items per population and condition set (jobs/planner_geometry.cpp).
void add_geometry_items(const PlanContext& ctx, Plan& plan);

// Pseudo-population items (jobs/planner_pseudo.cpp): per region, analysis and target,
// PseudoResample and PseudoNull items pooling the contributing sessions' bin items, an
// assembling Pseudo item, and per (analysis, target) one PseudoSummary item across regions and
// animals.
void add_pseudo_items(const PlanContext& ctx, Plan& plan);

// Communication subspaces (jobs/planner_interactions.cpp): stage 2 Interactions items per
// session and ordered region pair (region = source, target = target region), needing both bin
// items and, with interactions.folds_per_item, the pair's intermediate InteractionsFolds items
// (fold range [first, last), each needing both bin items); then stage 3 InteractionsSummary
// items per ordered pair across sessions.
void add_interactions_items(const PlanContext& ctx, Plan& plan);
// "<source>__<target>": the pair's group name under interactions/.
std::string interactions_pair_name(const std::string& source, const std::string& target);
// Brain <-> network comparisons (jobs/planner_models.cpp): per block of models.layers_per_item
// layers one intermediate ModelLayers item (the layers' Gram matrices and RDMs, read once), per
// population and block a Models item, per region a stage-3 ModelsSummary item.
void add_models_items(const PlanContext& ctx, Plan& plan);
// The ModelLayers items (one per block of layers), added on first use: by the pseudo planner
// when pseudo.analyses has models (its items run before the models planner's), else by
// add_models_items.
std::vector<std::uint64_t> model_layer_items(const PlanContext& ctx, Plan& plan);

} // namespace neuropop::jobs::detail
