#include "jobs/plan_estimate.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "jobs/item_sizes.hpp"
#include "kernels/binning.hpp"

namespace neuropop::jobs {

namespace {

// Seconds per planner cost unit, per analysis: the seconds /progress recorded for each analysis
// divided by the planner's summed cost of those items, from one run of examples/jobs/demo.ini (4
// sessions x 3 regions x 30 units x 160 trials, decode.permutations 20, pseudo.resamples 5,
// pseudo.nulls 10: 342 items, 22.4 s of item time, 13 s wall) on the 2-core development VM, 1 rank
// x 2 threads, on 2026-12-06 with one other single-threaded process running (load average 1.8).
// Item seconds are each item's wall time (prepare, compute, write), so two items sharing a
// core each count their shared time. To re-measure when the kernels change: run the job, then
// divide each analysis's summed /progress seconds by the cost `neuropop plan --json` prints.
// The file names kinds as /progress/analysis does.
const std::map<ItemKind, double>& rates() {
    static const std::map<ItemKind, double> r = [] {
        const std::pair<const char*, double> measured[] = {
#include "jobs/plan_rates.inc"
        };
        std::map<ItemKind, double> by_kind;
        for (const auto& [name, rate] : measured) {
            const auto kind = parse_item_kind(name);
            if (!kind) throw std::logic_error(std::string("jobs/plan_rates.inc: no kind ") + name);
            by_kind[*kind] = rate;
        }
        return by_kind;
    }();
    return r;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

double PlanEstimate::wall_seconds(int ranks, unsigned threads) const {
    const double workers = static_cast<double>(std::max(ranks, 1)) * std::max(threads, 1u);
    return std::max(core_seconds / workers, largest_item_seconds) +
           results_bytes / merge_bytes_per_second;
}

double PlanEstimate::rank_bytes(unsigned threads) const {
    return rank_baseline_bytes + std::min(cache_bytes, binned_bytes) +
           2.0 * std::max(threads, 1u) * largest_item_bytes;
}

PlanEstimate estimate_plan(const JobSpec& spec, const Plan& plan) {
    std::vector<double> known;
    for (const auto& [kind, rate] : rates())
        known.push_back(rate);
    const double fallback = median(known);
    const auto bytes = item_bytes(spec, plan);
    const double bins = static_cast<double>(
        kernels::BinWindow{spec.align.start, spec.align.stop, spec.align.bin_width}.bins());

    PlanEstimate e;
    std::map<std::string, AnalysisEstimate> by;
    std::size_t small_outputs = 0;
    for (std::size_t i = 0; i < plan.items.size(); ++i) {
        const auto& w = plan.items[i];
        auto& a = by[to_string(w.kind)];
        a.analysis = to_string(w.kind);
        ++a.items;
        a.cost += w.cost;
        const auto rate = rates().find(w.kind);
        a.calibrated = rate != rates().end();
        const double seconds = w.cost * (a.calibrated ? rate->second : fallback);
        a.seconds += seconds;
        e.largest_item_seconds = std::max(e.largest_item_seconds, seconds);
        e.largest_item_bytes = std::max(e.largest_item_bytes, bytes[i]);
        if (w.kind == ItemKind::Bin) {
            // The counts tensor dominates the results file: trials x units x bins x 4 bytes.
            const auto& info = plan.sessions.at(w.session).info;
            double units = 0;
            for (const auto& r : info.unit_regions)
                units += r == w.region ? 1 : 0;
            const double trials = info.trials ? static_cast<double>(info.trials->rows()) : 0.0;
            e.results_bytes += trials * units * bins * 4.0;
            e.binned_bytes += trials * units * bins * 4.0;
        } else if (!w.intermediate) {
            ++small_outputs;
        }
    }
    // Every other item's datasets, attributes and dimension scales: about 16 KB each in the
    // demo job's results (9.2 MB file, 3.7 MB of counts, 335 such items).
    e.results_bytes += 16.0 * 1024 * static_cast<double>(small_outputs);
    e.cache_bytes = static_cast<double>(cache_budget_bytes(spec, 1));
    for (auto& [name, a] : by) {
        e.items += a.items;
        e.core_seconds += a.seconds;
        e.analyses.push_back(a);
    }
    return e;
}

} // namespace neuropop::jobs
