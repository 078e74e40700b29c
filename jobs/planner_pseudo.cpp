// Pseudo-population items (docs/ANALYSES.md §5). Per region and pooled analysis: R resample items
// and the null items (intermediate; they need the bin items of every contributing session), then a
// "pseudo" item that assembles them into /pseudo/<region>/...; with per-animal pooling, the same
// resample and null items per animal; finally one "pseudo_summary" item per pooled analysis
// across every region (BH-FDR needs all regions) and animal. Pooled models comparisons also
// need the ModelLayers items (the layers' Grams and RDMs, read once for the whole job).

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "io/model_file.hpp"
#include "jobs/inventory.hpp"
#include "jobs/models_checks.hpp"
#include "jobs/planner_detail.hpp"
#include "jobs/pseudo_labels.hpp"
#include "jobs/text_values.hpp"
#include "jobs/trial_selection.hpp"

namespace neuropop::jobs::detail {

namespace {

// The pooling labels of a session's alignable trials, from the NWB trials table.
std::vector<std::string> session_labels(const JobSpec& spec, const PseudoTarget& t,
                                        const io::SessionInfo& info) {
    if (!info.trials) return {};
    const auto& trials = *info.trials;
    const std::vector<std::size_t> rows = binned_rows(spec, trials);
    std::vector<std::vector<std::string>> columns;
    for (const auto& name : t.columns) {
        const auto* c = trials.find(name);
        std::vector<std::string> v;
        for (auto r : rows)
            v.push_back(c == nullptr   ? std::string()
                        : c->is_string ? c->strings.at(r)
                                       : text::format_double(c->numbers.at(r)));
        columns.push_back(std::move(v));
    }
    return pooling_labels(t, columns, rows.size());
}

bool pooled_region(const JobSpec& spec, const std::string& region) {
    const auto& r = spec.pseudo.regions;
    return r.empty() || std::find(r.begin(), r.end(), region) != r.end();
}

// Each resample draws the same number of trials of every label from every member session:
// pseudo.trials, or the scarcest label's count when smaller. Decoding them needs every label in
// every fold, so that number must reach decode.folds; the job is refused otherwise (exit 2), as
// a session's own class below decode.folds is. Ridge draws unstratified folds over all pooled
// trials, so the per-label rule does not apply to it.
void check_pseudo_folds(
    const JobSpec& spec, const std::string& what, const std::vector<const Population*>& members,
    const std::map<const Population*, const std::map<std::string, std::size_t>*>& counts,
    Plan& plan) {
    if (spec.decode.decoder == kernels::DecoderKind::Ridge) return;
    std::size_t drawn = spec.pseudo.trials;
    std::string scarcest;
    for (const auto* p : members)
        for (const auto& [label, n] : *counts.at(p))
            if (!label.empty() && n < drawn) {
                drawn = n;
                scarcest = "; label '" + label + "' has " + std::to_string(n) + " trials in " +
                           plan.sessions[p->session].key;
            }
    if (drawn >= spec.decode.folds) return;
    plan.problems.push_back(
        "pseudo " + what + ": " + std::to_string(drawn) +
        " trials of each label per resample (pseudo.trials = " +
        std::to_string(spec.pseudo.trials) + scarcest +
        "), fewer than decode.folds = " + std::to_string(spec.decode.folds) +
        "; every fold must hold every class (raise pseudo.trials and pseudo.min_trials to at "
        "least decode.folds, or lower decode.folds)");
}

} // namespace

void add_pseudo_items(const PlanContext& ctx, Plan& plan) {
    const auto& spec = ctx.spec;
    const auto& ps = spec.pseudo;
    if (!ps.enabled || !spec.run.summaries) return;
    std::map<std::string, std::vector<const Population*>> by_region;
    for (const auto& p : ctx.populations)
        if (pooled_region(spec, p.region)) by_region[p.region].push_back(&p);
    const std::size_t needed = std::max<std::size_t>(ps.min_trials, 2);
    const std::size_t per_item = std::max<std::size_t>(ps.nulls_per_item, 1);

    for (const auto& t : pseudo_targets(spec)) {
        std::vector<std::uint64_t> summary_needs;
        // Not a structured binding: add_group captures region, which clang 14 (the fuzz build's
        // compiler) does not allow for a binding.
        for (const auto& entry : by_region) {
            const std::string& region = entry.first;
            const auto& candidates = entry.second;
            std::vector<const Population*> used;
            std::map<const Population*, const std::map<std::string, std::size_t>*> used_counts;
            std::vector<std::string> notes;
            std::set<std::string> all_labels;
            std::vector<std::map<std::string, std::size_t>> counts;
            for (const auto* p : candidates) {
                counts.push_back(
                    label_counts(session_labels(spec, t, plan.sessions[p->session].info)));
                for (const auto& [label, n] : counts.back())
                    all_labels.insert(label);
            }
            for (std::size_t i = 0; i < candidates.size(); ++i) {
                const auto* p = candidates[i];
                const auto& key = plan.sessions[p->session].key;
                if (p->units < static_cast<double>(ps.min_units)) {
                    notes.push_back(
                        key + ": " + std::to_string(static_cast<std::size_t>(p->units)) +
                        " units, fewer than pseudo.min_units = " + std::to_string(ps.min_units));
                    continue;
                }
                std::string why;
                for (const auto& label : all_labels) {
                    const auto it = counts[i].find(label);
                    const std::size_t n = it == counts[i].end() ? 0 : it->second;
                    if (n < needed) {
                        why = "label '" + label + "' has " + std::to_string(n) +
                              " trials, fewer than pseudo.min_trials = " + std::to_string(needed);
                        break;
                    }
                }
                if (!why.empty()) {
                    notes.push_back(key + ": " + why);
                    continue;
                }
                used.push_back(p);
                used_counts[p] = &counts[i];
            }
            for (const auto& n : notes)
                plan.skipped.push_back("pseudo " + t.name() + " " + region + ": left out " + n);
            if (used.empty()) {
                plan.skipped.push_back("pseudo " + t.name() + " " + region +
                                       ": no session qualifies; no pseudo-population");
                continue;
            }
            double units = 0, trials = 0;
            std::map<std::string, std::vector<const Population*>> by_animal;
            for (const auto* p : used) {
                units += p->units;
                trials = std::max(trials, p->trials);
                by_animal[plan.sessions[p->session].info.subject_id].push_back(p);
            }
            // A resample costs about what the analysis costs on one population of that size;
            // a pooled comparison adds the per-session models item's cost per layer.
            // A null resample runs no RSA permutations.
            double cost = units * units * trials + units * trials * 50.0, null_cost = cost;
            std::vector<std::uint64_t> layer_items;
            if (t.analysis == PseudoAnalysis::Models) {
                layer_items = model_layer_items(ctx, plan);
                const auto info = io::read_model_file_info(spec.models.file);
                const double n = static_cast<double>(info.stimuli());
                const double layers =
                    static_cast<double>(models::selected_layers(spec, info).size());
                cost += layers * n * n * (1.0 + static_cast<double>(spec.models.permutations));
                null_cost += layers * n * n;
            }

            // Resample and null items of one group of sessions ("all" or one animal).
            const auto add_group = [&](const std::string& group,
                                       const std::vector<const Population*>& members) {
                if (t.analysis == PseudoAnalysis::Decode)
                    check_pseudo_folds(spec, t.name() + " " + region + " (" + group + ")", members,
                                       used_counts, plan);
                std::vector<std::uint64_t> ids, member_bins;
                for (const auto* p : members)
                    member_bins.push_back(p->bin_item);
                WorkItem base;
                base.session = members.front()->session;
                base.session_key = group;
                base.region = region;
                base.target = t.name();
                base.needs = member_bins;
                // Pooled comparisons read the layers' Grams and RDMs, not the layers.
                base.needs.insert(base.needs.end(), layer_items.begin(), layer_items.end());
                base.cost = cost;
                base.intermediate = true;
                for (std::size_t r = 0; r < ps.resamples; ++r) {
                    WorkItem item = base;
                    item.kind = ItemKind::PseudoResample;
                    item.block = r;
                    item.scope = "pseudo/" + t.name();
                    ids.push_back(add_item(plan, std::move(item)));
                }
                for (std::size_t first = 0, b = 0; first < ps.nulls; first += per_item, ++b) {
                    WorkItem item = base;
                    item.kind = ItemKind::PseudoNull;
                    item.block = b;
                    item.first = first;
                    item.last = std::min(ps.nulls, first + per_item);
                    item.scope = "pseudo/" + t.name() + "/null";
                    item.cost = null_cost * static_cast<double>(item.last - item.first);
                    ids.push_back(add_item(plan, std::move(item)));
                }
                return ids;
            };

            WorkItem assemble;
            assemble.kind = ItemKind::Pseudo;
            assemble.session = used.front()->session;
            assemble.session_key = "all";
            assemble.region = region;
            assemble.target = t.name();
            assemble.scope = "pseudo/" + t.name();
            assemble.needs = add_group("all", used);
            assemble.notes = notes;
            assemble.cost = cost;
            summary_needs.push_back(add_item(plan, std::move(assemble)));
            if (ps.per_animal && by_animal.size() >= 2)
                for (const auto& [animal, members] : by_animal) {
                    auto ids = add_group("animal=" + animal, members);
                    summary_needs.insert(summary_needs.end(), ids.begin(), ids.end());
                }
        }
        if (summary_needs.empty()) continue;
        WorkItem summary;
        summary.kind = ItemKind::PseudoSummary;
        summary.session = 0;
        summary.session_key = "";
        summary.region = "";
        summary.target = t.name();
        summary.scope = "pseudo_summary/" + t.name();
        summary.needs = std::move(summary_needs);
        summary.cost = 1.0;
        add_item(plan, std::move(summary));
    }
}

} // namespace neuropop::jobs::detail
