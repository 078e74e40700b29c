#include "jobs/planner.hpp"
#include "jobs/planner_detail.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "jobs/inventory.hpp"
#include "jobs/shard.hpp"
#include "jobs/text_values.hpp"
#include "jobs/trial_selection.hpp"
#include "jobs/windows.hpp"
#include "kernels/binning.hpp"
#include "kernels/cvpca.hpp"

namespace neuropop::jobs {

using detail::Population;

namespace {

// The trials a population will hold: those trials.where passes whose alignment time is finite
// (the bin item drops the others), and how they fall into the job's conditions.
struct TrialShape {
    double trials = 0;          // aligned trials
    double conditions = 1;      // distinct condition labels among them (at least 1, for costs)
    std::size_t labelled = 0;   // conditions with at least one aligned trial
    std::size_t splittable = 0; // conditions with at least 2 (cvPCA's two halves)
};

TrialShape trial_shape(const JobSpec& spec, const io::SessionInfo& info) {
    TrialShape shape;
    if (!info.trials) return shape;
    const auto* event = info.trials->find(spec.align.event);
    if (event == nullptr || event->is_string) return shape;
    std::map<std::vector<std::string>, std::size_t> per_condition;
    for (const auto row : binned_rows(spec, *info.trials)) {
        std::vector<std::string> label;
        for (const auto& name : spec.conditions.columns) {
            const auto* c = info.trials->find(name);
            if (c == nullptr) continue;
            label.push_back(c->is_string ? c->strings.at(row)
                                         : text::format_double(c->numbers.at(row)));
        }
        ++per_condition[std::move(label)];
        ++shape.trials;
    }
    shape.labelled = per_condition.size();
    for (const auto& [label, n] : per_condition)
        if (n >= 2) ++shape.splittable;
    shape.conditions = static_cast<double>(std::max<std::size_t>(shape.labelled, 1));
    return shape;
}

double region_spikes(const io::SessionInfo& info, const std::vector<std::size_t>& rows) {
    double total = 0;
    for (auto u : rows) {
        const auto end = info.spike_end.at(u);
        const auto begin = u == 0 ? std::uint64_t{0} : info.spike_end.at(u - 1);
        total += static_cast<double>(end - begin);
    }
    return total;
}

// Cost estimates, in rough operation counts; they only order items largest first, so the
// constants matter less than how each grows with units (U), trials (T), bins (B), conditions.
struct CostModel {
    const JobSpec& spec;
    double bins; // bins of the aligned window

    // Reading every spike once plus writing the trials x units x bins count tensor.
    double bin(const Population& p) const { return p.spikes + p.units * p.trials * bins; }

    // Covariance (U^2 per sample) and an eigendecomposition (U^3) per window.
    double pca(const Population& p) const {
        double cost = 0;
        for (const auto& w : pca_windows(spec)) {
            const auto range = window_bins(spec.align, w);
            const double window_bins = range ? static_cast<double>(range->size()) : bins;
            const double samples =
                (spec.pca.samples == PcaSamples::Trials ? p.trials : p.conditions) * window_bins;
            cost += p.units * p.units * samples + p.units * p.units * p.units;
        }
        return cost;
    }

    // Condition means of two halves, then per shuffle a decomposition of the S x U response
    // (S = conditions x bins stimuli), done through the smaller of its Gram matrices: S U m + m^3
    // with m = min(S, U).
    double cvpca(const Population& p) const {
        const double stimuli = p.conditions * bins;
        const double m = std::min(stimuli, p.units);
        const double per_shuffle = stimuli * p.units * m + m * m * m;
        return p.units * p.trials * bins + static_cast<double>(spec.cvpca.shuffles) * per_shuffle;
    }

    // Covariance of window counts (U^2 T), then EM iterations of U^2 k each; EM usually stops
    // long before a large max_iter, so at most 100 iterations are counted.
    double fa(const Population& p) const {
        const double iterations = std::min(static_cast<double>(spec.fa.max_iter), 100.0);
        const double k = static_cast<double>(spec.fa.factors);
        return p.units * p.units * p.trials + iterations * (p.units * p.units * k + k * k * k);
    }
};

std::string trials_text(const Population& p) {
    const auto n = static_cast<std::size_t>(p.trials);
    return std::to_string(n) + " aligned trial" + (n == 1 ? "" : "s");
}

// Why PCA cannot run on the population ("" when it can): some window would have fewer than the
// 2 samples a covariance needs, as item_pca would find after binning.
std::string pca_shortfall(const JobSpec& spec, const Population& p) {
    const bool trials = spec.pca.samples == PcaSamples::Trials;
    const auto rows = trials ? static_cast<std::size_t>(p.trials) : p.labelled_conditions;
    for (const auto& w : pca_windows(spec)) {
        const auto range = window_bins(spec.align, w);
        const std::size_t bins = range ? range->size() : 0;
        if (rows * bins >= 2) continue;
        return trials_text(p) + ": window '" + w.name + "' has " + std::to_string(rows * bins) +
               " sample(s) (" + std::to_string(rows) +
               (trials ? " trial(s)" : " condition(s) with trials") + " x " + std::to_string(bins) +
               " bin(s), pca.samples = " + (trials ? "trials" : "condition_means") +
               "); a covariance needs 2";
    }
    return {};
}

// Why cvPCA cannot run ("" when it can): its two repeats are the means of two halves of each
// condition's trials, so only conditions with 2 trials count, and the spectrum needs 2 stimuli
// ((condition, bin) pairs).
std::string cvpca_shortfall(const Population& p, std::size_t bins) {
    if (p.splittable_conditions == 0)
        return trials_text(p) + ": no condition has the 2 aligned trials cvPCA splits into two "
                                "halves";
    if (p.splittable_conditions * bins < 2)
        return std::to_string(p.splittable_conditions) + " condition(s) with 2 aligned trials x " +
               std::to_string(bins) + " bin(s) = 1 stimulus; cvPCA needs 2";
    return {};
}

// The cvPCA item fits the power law over kernels::cvpca_fit_range of its stimuli (the
// conditions with 2 aligned trials x bins) and units; when the data move fit_first, say so once.
void cvpca_fit_warning(const JobSpec& spec, const Population& p, std::size_t bins,
                       const std::string& key, std::vector<std::string>& warnings) {
    const auto stimuli = p.splittable_conditions * bins;
    const auto units = static_cast<std::size_t>(p.units);
    const auto range =
        kernels::cvpca_fit_range(spec.cvpca.fit_first, spec.cvpca.fit_last, stimuli, units);
    if (!range.first_clipped) return;
    warnings.push_back(key + "/" + p.region + ": cvpca: cvpca.fit_first = " +
                       std::to_string(spec.cvpca.fit_first) + " leaves fewer than 2 components (" +
                       std::to_string(units) + " units, " + std::to_string(stimuli) +
                       " stimuli: the spectrum is fitted up to k = " + std::to_string(range.last) +
                       "); power law fitted over k = " + std::to_string(range.first) + ".." +
                       std::to_string(range.last) +
                       " (recorded as the cvpca group's fit_first, "
                       "fit_last)");
}

// Appends a stage-2 item of `kind` on population `p`, needing its bin item.
void add_population_item(Plan& plan, ItemKind kind, const Population& p, double cost) {
    WorkItem item;
    item.kind = kind;
    item.session = p.session;
    item.session_key = plan.sessions[p.session].key;
    item.region = p.region;
    item.needs = {p.bin_item};
    item.cost = cost;
    detail::add_item(plan, std::move(item));
}

void skip(Plan& plan, const Population& p, const std::string& why) {
    plan.skipped.push_back(plan.sessions[p.session].key + "/" + p.region + ": " + why);
}

} // namespace

namespace detail {

void add_pca_items(const PlanContext& ctx, const Population& p, Plan& plan) {
    if (!ctx.spec.pca.enabled) return;
    if (const auto why = pca_shortfall(ctx.spec, p); why.empty())
        add_population_item(plan, ItemKind::Pca, p, CostModel{ctx.spec, ctx.bins}.pca(p));
    else
        skip(plan, p, "pca: " + why);
}

void add_cvpca_items(const PlanContext& ctx, const Population& p, Plan& plan) {
    if (!ctx.spec.cvpca.enabled) return;
    const auto bins = static_cast<std::size_t>(ctx.bins);
    if (const auto why = cvpca_shortfall(p, bins); why.empty()) {
        add_population_item(plan, ItemKind::CvPca, p, CostModel{ctx.spec, ctx.bins}.cvpca(p));
        cvpca_fit_warning(ctx.spec, p, bins, plan.sessions[p.session].key, plan.warnings);
    } else
        skip(plan, p, "cvpca: " + why);
}

void add_fa_items(const PlanContext& ctx, const Population& p, Plan& plan) {
    const auto& spec = ctx.spec;
    if (!spec.fa.enabled) return;
    if (p.units <= static_cast<double>(spec.fa.factors))
        skip(plan, p,
             "fa: " + std::to_string(static_cast<std::size_t>(p.units)) + " units, fa.factors = " +
                 std::to_string(spec.fa.factors) + " needs more units than factors");
    else if (p.trials < 2)
        skip(plan, p, "fa: " + trials_text(p) + "; factor analysis needs 2 (one sample per trial)");
    else
        add_population_item(plan, ItemKind::Fa, p, CostModel{spec, ctx.bins}.fa(p));
}

} // namespace detail

Plan make_plan(const JobSpec& spec, std::vector<SessionEntry> inventory) {
    Plan plan;
    std::stable_sort(inventory.begin(), inventory.end(),
                     [](const SessionEntry& a, const SessionEntry& b) { return a.key < b.key; });
    plan.sessions = std::move(inventory);

    std::vector<Population> populations;
    for (std::size_t s = 0; s < plan.sessions.size(); ++s) {
        auto& entry = plan.sessions[s];
        const auto& info = entry.info;
        const TrialShape shape = trial_shape(spec, info);
        for (const auto& region : info.regions()) {
            if (!region_selected(spec, region)) continue;
            const auto rows = info.units_in(region);
            if (rows.size() < spec.data.min_units) {
                plan.skipped.push_back(
                    entry.key + "/" + region + ": " + std::to_string(rows.size()) +
                    " units, fewer than data.min_units = " + std::to_string(spec.data.min_units));
                continue;
            }
            Population p{s,
                         region,
                         static_cast<double>(rows.size()),
                         shape.trials,
                         shape.conditions,
                         region_spikes(info, rows),
                         0};
            p.labelled_conditions = shape.labelled;
            p.splittable_conditions = shape.splittable;
            populations.push_back(std::move(p));
        }
        // The plan's own record of what qualified, whatever the inventory said.
        entry.regions = qualifying_regions(spec, info);
    }

    const kernels::BinWindow window{spec.align.start, spec.align.stop, spec.align.bin_width};
    const CostModel cost{spec, static_cast<double>(window.bins())};
    for (auto& p : populations) {
        WorkItem bin;
        bin.kind = ItemKind::Bin;
        bin.session = p.session;
        bin.session_key = plan.sessions[p.session].key;
        bin.region = p.region;
        bin.cost = cost.bin(p);
        p.bin_item = detail::add_item(plan, std::move(bin));
    }
    // The registry's planners (jobs/item_kind.cpp), in the order jobs/item_kind.hpp states.
    const detail::PlanContext ctx{spec, populations, static_cast<double>(window.bins())};
    for (const auto& p : populations)
        for (const auto& row : item_kind_rows())
            if (row.per_population != nullptr) row.per_population(ctx, p, plan);
    for (const auto& row : item_kind_rows())
        if (row.whole_plan != nullptr) row.whole_plan(ctx, plan);
    // A shard of a job (run.summaries false) plans no stage-3 item: those need every session and
    // run in `neuropop merge`.
    if (!spec.run.summaries) drop_stage(plan, Stage::Summarise);
    return plan;
}

} // namespace neuropop::jobs
