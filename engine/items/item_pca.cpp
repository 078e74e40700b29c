// Stage 2: PCA per window, participation ratio (plug-in and split-half), projections of the
// condition means (docs/ANALYSES.md §2).

#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>

#include "engine/items/prepare.hpp"
#include "jobs/windows.hpp"
#include "kernels/moments.hpp"
#include "kernels/participation_ratio.hpp"
#include "kernels/pca.hpp"

namespace neuropop::engine::detail {

namespace {

const char* samples_name(jobs::PcaSamples s) {
    return s == jobs::PcaSamples::Trials ? "trials" : "condition_means";
}

// The samples of a window: condition-mean PSTH bins (rows condition x bin) or single-trial bins
// (rows trial x bin), features = units.
Eigen::MatrixXd window_samples(const Population& pop, jobs::PcaSamples mode,
                               const TrialGroups& groups, const jobs::BinRange& r) {
    if (mode == jobs::PcaSamples::Trials) return trial_bins(pop, flatten(groups), r);
    return condition_means(pop, groups, r);
}

void pca_window(io::ResultBlock& block, const std::string& parent, const jobs::JobSpec& spec,
                const Population& pop, const Halves& halves, const jobs::Window& w,
                const std::string& split_rule) {
    std::string why;
    const auto range = jobs::window_bins(spec.align, w, &why);
    if (!range) throw std::runtime_error("pca: " + why);
    const auto mode = spec.pca.samples;
    const Eigen::MatrixXd means = condition_means(pop, pop.trials_of, *range);
    const Eigen::MatrixXd samples =
        mode == jobs::PcaSamples::Trials ? trial_bins(pop, flatten(pop.trials_of), *range) : means;
    if (samples.rows() < 2)
        throw std::runtime_error("pca: window '" + w.name + "' has " +
                                 std::to_string(samples.rows()) + " samples; a covariance needs 2");
    // Fewer samples than units (condition means of a pooled region): the SVD route, and the
    // split half from the samples, never a units × units covariance (kernels/pca.hpp).
    const bool wide = kernels::pca_uses_svd(samples.rows(), samples.cols(), spec.pca.components);
    std::optional<kernels::Moments> m;
    if (!wide) m = kernels::Moments::of(samples);
    const kernels::PcaResult p = wide ? kernels::pca_of_samples(samples, spec.pca.components)
                                      : kernels::pca(*m, spec.pca.components);
    const Eigen::MatrixXd scores = kernels::project(p, means);
    const double pr = kernels::participation_ratio(p.eigenvalues);

    // Split-half: covariances of the same samples built from two disjoint halves of trials.
    double pr_split = std::numeric_limits<double>::quiet_NaN();
    TrialGroups a, b;
    for (std::size_t i = 0; i < halves.used.size(); ++i) {
        a.push_back(halves.a[i]);
        b.push_back(halves.b[i]);
    }
    if (!a.empty()) {
        const Eigen::MatrixXd sa = window_samples(pop, mode, a, *range);
        const Eigen::MatrixXd sb = window_samples(pop, mode, b, *range);
        if (wide) {
            pr_split = kernels::participation_ratio_split_half_samples(samples, sa, sb);
        } else if (sa.rows() >= 2 && sb.rows() >= 2) {
            pr_split = kernels::participation_ratio_split_half(
                m->covariance(), kernels::Moments::of(sa).covariance(),
                kernels::Moments::of(sb).covariance());
        }
    }

    const auto U = pop.units;
    const auto K = static_cast<std::size_t>(p.components.cols());
    const auto C = pop.conditions.size();
    const auto B = range->size();
    const std::string g = io::join_path(parent, io::path_safe(w.name));
    block.group(g, {{"description", std::string("PCA of window '" + w.name + "'")},
                    {"window", w.name},
                    {"window_start", w.start},
                    {"window_stop", w.stop},
                    {"first_bin", static_cast<std::int64_t>(range->first)},
                    {"n_bins", static_cast<std::int64_t>(B)},
                    {"samples", std::string(samples_name(mode))},
                    {"n_samples", static_cast<std::int64_t>(samples.rows())},
                    {"n_units", static_cast<std::int64_t>(U)},
                    {"n_components", static_cast<std::int64_t>(K)},
                    {"split_half", split_rule}});
    const auto j = [&](const char* name) { return io::join_path(g, name); };
    const io::ResultBlock::Axis unit{"unit", "unit_ids"}, component{"component", "component"},
        rank{"eigenvalue_rank", "eigenvalue_rank"};
    block.add_i64(j("unit_ids"), {U}, pop.unit_ids, "1", "/units/id of each unit (feature axis)",
                  {unit});
    block.add_i64(j("component"), {K}, one_based(K), "1", "principal component number (1-based)",
                  {component});
    block.add_i64(j("eigenvalue_rank"), {U}, one_based(U), "1",
                  "position of each covariance eigenvalue in descending order (1-based)", {rank});
    block.add_strings(j("condition_labels"), pop.conditions, "condition labels, sorted",
                      {{"condition", "condition_labels"}});
    block.add_f64(j("bin_centers"), {B}, pop.bin_centers(*range), "s",
                  "bin centres of the window relative to the alignment event",
                  {{"bin", "bin_centers"}});
    block.add_f64(j("eigenvalues"), {U}, to_vector(p.eigenvalues), "spikes^2",
                  "eigenvalues of the sample covariance of spike counts per bin, descending",
                  {rank});
    block.add_f64(j("explained_variance_ratio"), {U}, to_vector(p.explained_ratio), "1",
                  "eigenvalue / sum of eigenvalues", {rank});
    block.add_f64(j("components"), {U, K}, row_major(p.components), "1",
                  "unit-length principal axes (columns); each flipped so its largest-|loading| "
                  "entry is positive",
                  {unit, component});
    block.add_f64(j("mean"), {U}, to_vector(p.mean), "spikes", "mean count per bin of the samples",
                  {unit});
    // scores rows are (condition, bin); row-major [condition, bin, component] is their order.
    block.add_f64(j("projections"), {C, B, K}, row_major(scores), "spikes",
                  "condition-mean counts minus the sample mean, projected on the components",
                  {{"condition", "condition_labels"}, {"bin", "bin_centers"}, component});
    block.add_scalar(j("participation_ratio"), pr, "1",
                     "(sum of eigenvalues)^2 / sum of squared eigenvalues (plug-in)");
    block.add_scalar(j("participation_ratio_split_half"), pr_split, "1",
                     "tr(C)^2 / tr(C_A C_B), C_A and C_B from disjoint halves of each "
                     "condition's trials (NaN when undefined)");
}

} // namespace

Work prepare_pca(const ItemEnv& env, const jobs::WorkItem& item, Population pop) {
    return [&spec = env.spec, seed = env.spec.run.seed, id = item.rng_key(),
            parent = analysis_group(item.session_key, item.region) + "/pca",
            attrs = population_attributes(env, item), pop = std::move(pop)]() {
        kernels::CounterRng rng(seed, id, stream_halves);
        const Halves halves = split_halves(pop, rng);
        const std::string rule = "per condition with >= 2 trials, two disjoint random halves of "
                                 "floor(n/2) trials (CounterRng(seed, item " +
                                 std::to_string(id) + ", stream " + std::to_string(stream_halves) +
                                 "))";
        io::ResultBlock block;
        add_population_groups(block, io::parent_path(parent), attrs);
        block.group(parent,
                    {{"description", std::string("principal component analysis")},
                     {"samples", std::string(samples_name(spec.pca.samples))},
                     {"components_requested", static_cast<std::int64_t>(spec.pca.components)}});
        for (const auto& w : jobs::pca_windows(spec))
            pca_window(block, parent, spec, pop, halves, w, rule);
        return block;
    };
}

} // namespace neuropop::engine::detail
