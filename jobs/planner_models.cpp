// Brain <-> network comparison items (docs/ANALYSES.md §8). A layer's Gram matrix and RDM do not
// depend on the population, so each block of layers is read once by an intermediate model_layers
// item; each population x block models item reads that item's file and its bin item's counts;
// one models_summary item per region combines the sessions.

#include <algorithm>
#include <map>

#include "io/model_file.hpp"
#include "jobs/models_checks.hpp"
#include "jobs/planner_detail.hpp"

namespace neuropop::jobs::detail {

std::vector<std::uint64_t> model_layer_items(const PlanContext& ctx, Plan& plan) {
    std::vector<std::uint64_t> layer_items;
    for (const auto& item : plan.items)
        if (item.kind == ItemKind::ModelLayers) layer_items.push_back(item.id);
    if (!layer_items.empty()) return layer_items; // planned already (pooled comparisons)
    const auto& spec = ctx.spec;
    const auto info = io::read_model_file_info(spec.models.file); // checked by the inventory
    const auto layers = models::selected_layers(spec, info);
    const std::size_t per = spec.models.layers_per_item;
    const std::size_t blocks = (layers.size() + per - 1) / per;
    const double n = static_cast<double>(info.stimuli());
    for (std::size_t b = 0; b < blocks; ++b) {
        WorkItem item;
        item.kind = ItemKind::ModelLayers;
        item.session_key = "network";
        item.region = "layers";
        item.block = b;
        item.intermediate = true;
        double features = 0;
        for (std::size_t i = b * per; i < std::min(layers.size(), (b + 1) * per); ++i)
            features += static_cast<double>(info.layer(layers[i]).features);
        item.cost = n * n * features; // the Gram of every layer of the block
        layer_items.push_back(add_item(plan, std::move(item)));
    }
    return layer_items;
}

void add_models_items(const PlanContext& ctx, Plan& plan) {
    const auto& spec = ctx.spec;
    if (!spec.models.enabled) return;
    const auto info = io::read_model_file_info(spec.models.file); // checked by the inventory
    const auto layers = models::selected_layers(spec, info);
    const std::size_t per = spec.models.layers_per_item;
    const std::size_t blocks = (layers.size() + per - 1) / per;
    const double n = static_cast<double>(info.stimuli());
    const auto layer_items = model_layer_items(ctx, plan);
    std::map<std::string, std::vector<std::uint64_t>> by_region;
    for (const auto& p : ctx.populations) {
        for (std::size_t b = 0; b < blocks; ++b) {
            WorkItem item;
            item.kind = ItemKind::Models;
            item.session = p.session;
            item.session_key = plan.sessions[p.session].key;
            item.region = p.region;
            item.block = b;
            item.scope = "models"; // every block draws as one item would: streams per layer
            item.needs = {p.bin_item, layer_items[b]};
            const double k =
                std::min<double>(static_cast<double>(std::min(per, layers.size() - b * per)), 1e9);
            // Per layer: the RSA permutations (n^2 each) dominate the n^2 CKA.
            item.cost = k * n * n * (1.0 + static_cast<double>(spec.models.permutations)) +
                        p.trials * p.units;
            by_region[p.region].push_back(add_item(plan, std::move(item)));
        }
    }
    for (const auto& [region, needs] : by_region) {
        WorkItem summary;
        summary.kind = ItemKind::ModelsSummary;
        summary.session_key = "all";
        summary.region = region;
        summary.scope = "models_summary";
        summary.needs = needs;
        summary.cost = static_cast<double>(needs.size() * spec.models.bootstrap);
        add_item(plan, std::move(summary));
    }
}

} // namespace neuropop::jobs::detail
