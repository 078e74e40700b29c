// Stage 2 Interactions items, one per session and ordered region pair (with
// interactions.folds_per_item, preceded by its InteractionsFolds blocks of folds), and stage 3
// InteractionsSummary items, one per ordered pair across sessions (docs/ANALYSES.md §7).

#include <algorithm>
#include <map>

#include "jobs/planner_detail.hpp"

namespace neuropop::jobs::detail {

namespace {

// Per fold: the RRR curve's least-squares solve on the source (T p (p + K) + p^3) and K x K
// eigendecomposition (K^3), repeated for each permutation of the null and the within-area
// control, and the ridge curve's p x p eigendecomposition. A fold block costs its folds.
double fold_cost(const InteractionsSection& in, const Population& source,
                 const Population& target) {
    const double p = source.units, k = target.units, t = source.trials;
    const double curve = t * p * (p + k) + p * p * p + k * k * k;
    const double ridge = t * p * (p + k) + p * p * p;
    const double curves = 1.0 + static_cast<double>(in.permutations) + (in.within_area ? 1.0 : 0.0);
    return curves * curve + ridge;
}

// What the pair's item computes whether or not its folds are split: the fit on all trials and
// the alignment of its predictive dimensions with the source's PCs (a p x p eigendecomposition
// per rank shown).
double full_data_cost(const InteractionsSection& in, const Population& source,
                      const Population& target) {
    const double p = source.units, k = target.units, t = source.trials;
    const double ranks = std::min({static_cast<double>(in.ranks), p, k});
    return t * p * (p + k) + p * p * p + k * k * k + ranks * p * p * p;
}

bool wanted(const InteractionsSection& in, const std::string& source, const std::string& target) {
    return in.all_pairs || std::find(in.pairs.begin(), in.pairs.end(),
                                     std::make_pair(source, target)) != in.pairs.end();
}

} // namespace

std::string interactions_pair_name(const std::string& source, const std::string& target) {
    return source + "__" + target;
}

void add_interactions_items(const PlanContext& ctx, Plan& plan) {
    const auto& in = ctx.spec.interactions;
    if (!in.enabled) return;
    // Pair name -> its items, in plan order (sessions in key order), for the summaries.
    std::map<std::string, std::vector<std::uint64_t>> by_pair;
    const bool split = in.folds_per_item > 0 && in.folds_per_item < in.folds;
    for (const auto& s : ctx.populations)
        for (const auto& t : ctx.populations) {
            if (s.session != t.session || s.region == t.region || !wanted(in, s.region, t.region))
                continue;
            const auto& key = plan.sessions[s.session].key;
            if (s.trials < static_cast<double>(in.folds)) {
                plan.skipped.push_back(
                    key + "/" + s.region + ">" + t.region +
                    ": interactions: " + std::to_string(static_cast<std::size_t>(s.trials)) +
                    " aligned trials, fewer than interactions.folds = " + std::to_string(in.folds));
                continue;
            }
            WorkItem item;
            item.kind = ItemKind::Interactions;
            item.session = s.session;
            item.session_key = key;
            item.region = s.region;
            item.target = t.region;
            // Shared by the pair's fold items: rng_key, hence folds, unit split and null.
            item.scope = "interactions/" + interactions_pair_name(s.region, t.region);
            item.needs = {s.bin_item, t.bin_item};
            item.cost = full_data_cost(in, s, t);
            if (split) {
                // Blocks of folds_per_item folds (the last one shorter), each needing the two
                // bin items; the pair's item reads them (engine/items/item_interactions.cpp).
                for (std::size_t first = 0, block = 0; first < in.folds;
                     first += in.folds_per_item, ++block) {
                    WorkItem folds = item;
                    folds.kind = ItemKind::InteractionsFolds;
                    folds.block = block;
                    folds.first = first;
                    folds.last = std::min(in.folds, first + in.folds_per_item);
                    folds.intermediate = true;
                    folds.needs = {s.bin_item, t.bin_item};
                    folds.cost =
                        static_cast<double>(folds.last - folds.first) * fold_cost(in, s, t);
                    item.needs.push_back(add_item(plan, std::move(folds)));
                }
            } else {
                item.cost += static_cast<double>(in.folds) * fold_cost(in, s, t);
            }
            by_pair[interactions_pair_name(s.region, t.region)].push_back(
                add_item(plan, std::move(item)));
        }
    if (!ctx.spec.run.summaries) return;
    for (const auto& [name, ids] : by_pair) {
        const auto& first = plan.items.at(ids.front());
        WorkItem summary;
        summary.kind = ItemKind::InteractionsSummary;
        summary.region = first.region;
        summary.target = first.target;
        summary.scope = "interactions_summary/" + name;
        summary.needs = ids;
        // Reading each session's curves, then the bootstrap over animals
        // (interactions_bootstrap resamples of at most one value per session).
        summary.cost = static_cast<double>(ids.size()) * 1000.0;
        add_item(plan, std::move(summary));
    }
}

} // namespace neuropop::jobs::detail
