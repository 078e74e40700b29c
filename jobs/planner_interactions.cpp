// Stage 2 Interactions items, one per session and ordered region pair, and stage 3
// InteractionsSummary items, one per ordered pair across sessions (docs/ANALYSES.md §7).

#include <algorithm>
#include <map>

#include "jobs/planner_detail.hpp"

namespace neuropop::jobs::detail {

namespace {

// One cross-validated RRR curve: per fold a least-squares solve on the source (T p (p + K) +
// p^3) and a K x K eigendecomposition (K^3), plus the ridge curve's p x p eigendecomposition per
// fold. The null repeats the RRR curve once per permutation, the within-area control once.
double pair_cost(const InteractionsSection& in, const Population& source,
                 const Population& target) {
    const double p = source.units, k = target.units, t = source.trials;
    const double folds = static_cast<double>(in.folds);
    const double curve = folds * (t * p * (p + k) + p * p * p + k * k * k);
    const double ridge = folds * (t * p * (p + k) + p * p * p);
    const double curves = 1.0 + static_cast<double>(in.permutations) + (in.within_area ? 1.0 : 0.0);
    return curves * curve + ridge;
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
            item.scope = "interactions/" + interactions_pair_name(s.region, t.region);
            item.needs = {s.bin_item, t.bin_item};
            item.cost = pair_cost(in, s, t);
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
