#include "jobs/planner.hpp"
#include "jobs/planner_detail.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "jobs/inventory.hpp"
#include "jobs/shard.hpp"
#include "jobs/text_values.hpp"
#include "jobs/windows.hpp"
#include "kernels/binning.hpp"

namespace neuropop::jobs {

using detail::Population;

namespace {

// Trials that can be aligned (a NaN alignment time drops the trial when binning).
double aligned_trials(const JobSpec& spec, const io::SessionInfo& info) {
    if (!info.trials) return 0;
    const auto* event = info.trials->find(spec.align.event);
    if (event == nullptr || event->is_string) return 0;
    return static_cast<double>(std::count_if(event->numbers.begin(), event->numbers.end(),
                                             [](double t) { return std::isfinite(t); }));
}

// Distinct joint labels of the condition columns (1 without columns).
double condition_count(const JobSpec& spec, const io::SessionInfo& info) {
    if (!info.trials || spec.conditions.columns.empty()) return 1;
    std::set<std::vector<std::string>> labels;
    for (std::size_t row = 0; row < info.trials->rows(); ++row) {
        std::vector<std::string> label;
        for (const auto& name : spec.conditions.columns) {
            const auto* c = info.trials->find(name);
            if (c == nullptr) continue;
            label.push_back(c->is_string ? c->strings.at(row)
                                         : text::format_double(c->numbers.at(row)));
        }
        labels.insert(std::move(label));
    }
    return static_cast<double>(std::max<std::size_t>(labels.size(), 1));
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
        const double trials = aligned_trials(spec, info);
        const double conditions = condition_count(spec, info);
        for (const auto& region : info.regions()) {
            if (!region_selected(spec, region)) continue;
            const auto rows = info.units_in(region);
            if (rows.size() < spec.data.min_units) {
                plan.skipped.push_back(
                    entry.key + "/" + region + ": " + std::to_string(rows.size()) +
                    " units, fewer than data.min_units = " + std::to_string(spec.data.min_units));
                continue;
            }
            populations.push_back(Population{s, region, static_cast<double>(rows.size()), trials,
                                             conditions, region_spikes(info, rows), 0});
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
        if (spec.pca.enabled) add(Stage::Analyse, "pca", p, {p.bin_item}, cost.pca(p));
        if (spec.cvpca.enabled) add(Stage::Analyse, "cvpca", p, {p.bin_item}, cost.cvpca(p));
        if (spec.fa.enabled) {
            if (p.units > static_cast<double>(spec.fa.factors))
                add(Stage::Analyse, "fa", p, {p.bin_item}, cost.fa(p));
            else
                plan.skipped.push_back(plan.sessions[p.session].key + "/" + p.region + ": fa: " +
                                       std::to_string(static_cast<std::size_t>(p.units)) +
                                       " units, fa.factors = " + std::to_string(spec.fa.factors) +
                                       " needs more units than factors");
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
