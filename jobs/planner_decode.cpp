// Decoding items (docs/ANALYSES.md §3): per population and target, the permutation-null blocks,
// then the decode item that reads them; then one summary item per target across every region.

#include <algorithm>
#include <map>

#include "jobs/planner_detail.hpp"

namespace neuropop::jobs::detail {

namespace {

// Classes of a target in a session, for the cost estimate only (the inventory has already
// checked the target): distinct values among the listed subset, or of the whole column.
double class_count(const DecodeSection& decode, const DecodeSection::Target& target,
                   const io::SessionInfo& info) {
    if (decode.decoder == kernels::DecoderKind::Ridge) return 1;
    if (!target.classes.empty()) return static_cast<double>(target.classes.size());
    if (!info.trials) return 2;
    const auto* c = info.trials->find(target.column);
    return c == nullptr ? 2 : static_cast<double>(std::max<std::size_t>(c->distinct(), 2));
}

} // namespace

void add_decode_items(const PlanContext& ctx, Plan& plan) {
    const auto& spec = ctx.spec;
    const double bins = ctx.bins;
    const auto& d = spec.decode;
    if (!d.enabled) return;
    const double times = d.windows.empty() ? bins : static_cast<double>(d.windows.size());
    // One fit-set: every fold of every repeat at every time, each fit ~ trials x units x classes
    // (a logistic gradient or an LDA covariance); temporal generalisation tests at every time.
    const auto fit_set = [&](const Population& p, double classes, bool generalize) {
        return static_cast<double>(d.folds * d.repeats) * times * p.trials * p.units * classes *
               (generalize ? times : 1.0);
    };
    const std::size_t per_item = std::max<std::size_t>(d.permutations_per_item, 1);

    // decode item ids by (target, region), in population order.
    std::map<std::string, std::map<std::string, std::vector<std::uint64_t>>> decode_items;
    for (const auto& p : ctx.populations) {
        const auto& session = plan.sessions[p.session];
        for (const auto& target : d.targets) {
            const double classes = class_count(d, target, session.info);
            WorkItem base;
            base.session = p.session;
            base.session_key = session.key;
            base.region = p.region;
            base.target = target.column;
            base.scope = "decode/" + target.column;

            std::vector<std::uint64_t> needs{p.bin_item};
            for (std::size_t first = 0, block = 0; first < d.permutations;
                 first += per_item, ++block) {
                WorkItem null = base;
                null.kind = ItemKind::DecodeNull;
                null.block = block;
                null.first = first;
                null.last = std::min(d.permutations, first + per_item);
                null.intermediate = true;
                null.needs = {p.bin_item};
                null.cost =
                    static_cast<double>(null.last - null.first) * fit_set(p, classes, false);
                needs.push_back(add_item(plan, std::move(null)));
            }
            WorkItem decode = base;
            decode.kind = ItemKind::Decode;
            decode.needs = std::move(needs);
            decode.cost =
                fit_set(p, classes, d.generalization && d.decoder != kernels::DecoderKind::Ridge);
            decode_items[target.column][p.region].push_back(add_item(plan, std::move(decode)));
        }
    }

    // BH runs over every region of a target, so one summary item per target needs them all.
    if (!spec.run.summaries) return;
    for (const auto& target : d.targets) {
        const auto it = decode_items.find(target.column);
        if (it == decode_items.end()) continue;
        WorkItem summary;
        summary.kind = ItemKind::DecodeSummary;
        summary.target = target.column;
        summary.scope = "decode/" + target.column;
        for (const auto& [region, ids] : it->second)
            summary.needs.insert(summary.needs.end(), ids.begin(), ids.end());
        summary.cost = static_cast<double>(summary.needs.size()) * times;
        add_item(plan, std::move(summary));
    }
}

} // namespace neuropop::jobs::detail
