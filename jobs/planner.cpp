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

} // namespace

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
    const auto add = [&plan](Stage stage, const char* analysis, const Population& p,
                             std::vector<std::uint64_t> needs, double item_cost) {
        WorkItem item;
        item.stage = stage;
        item.analysis = analysis;
        item.session = p.session;
        item.session_key = plan.sessions[p.session].key;
        item.region = p.region;
        item.needs = std::move(needs);
        item.cost = item_cost;
        return detail::add_item(plan, std::move(item));
    };

    for (auto& p : populations)
        p.bin_item = add(Stage::Bin, "bin", p, {}, cost.bin(p));
    for (const auto& p : populations) {
        const auto skip = [&](const std::string& why) {
            plan.skipped.push_back(plan.sessions[p.session].key + "/" + p.region + ": " + why);
        };
        if (spec.pca.enabled) {
            if (const auto why = pca_shortfall(spec, p); why.empty())
                add(Stage::Analyse, "pca", p, {p.bin_item}, cost.pca(p));
            else
                skip("pca: " + why);
        }
        if (spec.cvpca.enabled) {
            if (const auto why = cvpca_shortfall(p, window.bins()); why.empty()) {
                add(Stage::Analyse, "cvpca", p, {p.bin_item}, cost.cvpca(p));
                cvpca_fit_warning(spec, p, window.bins(), plan.sessions[p.session].key,
                                  plan.warnings);
            } else
                skip("cvpca: " + why);
        }
        if (spec.fa.enabled) {
            if (p.units <= static_cast<double>(spec.fa.factors))
                skip("fa: " + std::to_string(static_cast<std::size_t>(p.units)) +
                     " units, fa.factors = " + std::to_string(spec.fa.factors) +
                     " needs more units than factors");
            else if (p.trials < 2)
                skip("fa: " + trials_text(p) + "; factor analysis needs 2 (one sample per trial)");
            else
                add(Stage::Analyse, "fa", p, {p.bin_item}, cost.fa(p));
        }
    }
    detail::add_decode_items(spec, populations, static_cast<double>(window.bins()), plan);
    detail::add_geometry_items(spec, populations, static_cast<double>(window.bins()), plan);
    detail::add_pseudo_items(spec, populations, plan);
    // A shard of a job (run.summaries false) plans no stage-3 item: those need every session and
    // run in `neuropop merge`.
    if (!spec.run.summaries) drop_stage(plan, Stage::Summarise);
    return plan;
}

} // namespace neuropop::jobs
