// Stage 2: factor analysis of single-trial counts summed over fa.window (docs/ANALYSES.md §2).

#include <stdexcept>

#include "engine/items/prepare.hpp"
#include "jobs/windows.hpp"
#include "kernels/factor_analysis.hpp"

namespace neuropop::engine::detail {

Work prepare_fa(const ItemEnv& env, const jobs::WorkItem& item, Population pop) {
    return [&spec = env.spec, group = analysis_group(item.session_key, item.region),
            attrs = population_attributes(env, item), pop = std::move(pop)]() {
        std::string why;
        const auto range = jobs::window_bins(spec.align, spec.fa.window, &why);
        if (!range) throw std::runtime_error("fa: " + why);
        const Eigen::MatrixXd samples = window_sums(pop, *range);
        kernels::FactorAnalysisOptions options;
        options.factors = spec.fa.factors;
        options.max_iter = spec.fa.max_iter;
        options.tol = spec.fa.tol;
        const auto fa = kernels::factor_analysis(samples, options);

        const auto U = pop.units;
        const auto K = static_cast<std::size_t>(fa.loadings.cols());
        const std::string g = group + "/fa";
        const auto& w = spec.fa.window;
        io::ResultBlock block;
        add_population_groups(block, group, attrs);
        block.group(
            g, {{"description", std::string("factor analysis (EM, diagonal noise) of single-trial "
                                            "counts summed over the window")},
                {"window", w.name},
                {"window_start", w.start},
                {"window_stop", w.stop},
                {"first_bin", static_cast<std::int64_t>(range->first)},
                {"n_bins", static_cast<std::int64_t>(range->size())},
                {"factors", static_cast<std::int64_t>(K)},
                {"max_iter", static_cast<std::int64_t>(spec.fa.max_iter)},
                {"tol", spec.fa.tol},
                {"iterations", static_cast<std::int64_t>(fa.iterations)},
                {"converged", static_cast<std::int64_t>(fa.converged ? 1 : 0)},
                {"n_samples", static_cast<std::int64_t>(samples.rows())}});
        const io::ResultBlock::Axis unit{"unit", "unit_ids"}, factor{"factor", "factor"};
        block.add_i64(g + "/unit_ids", {U}, pop.unit_ids, "1", "/units/id of each unit", {unit});
        block.add_i64(g + "/factor", {K}, one_based(K), "1", "factor number (1-based)", {factor});
        block.add_f64(g + "/loadings", {U, K}, row_major(fa.loadings), "spikes",
                      "loading matrix L (defined up to a rotation: compare L L^T)", {unit, factor});
        block.add_f64(g + "/noise_variance", {U}, to_vector(fa.noise_variance), "spikes^2",
                      "private (diagonal) noise variance Psi of each unit", {unit});
        block.add_f64(g + "/shared_fraction", {U}, to_vector(fa.shared_fraction), "1",
                      "shared-variance fraction diag(L L^T) / (diag(L L^T) + Psi)", {unit});
        block.add_f64(g + "/mean", {U}, to_vector(fa.mean), "spikes",
                      "mean summed count of each unit", {unit});
        block.add_scalar(g + "/log_likelihood", fa.log_likelihood, "nats",
                         "log-likelihood of the samples under the fitted model");
        return block;
    };
}

} // namespace neuropop::engine::detail
