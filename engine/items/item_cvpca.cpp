// Stage 2: cross-validated PCA spectrum and its power-law exponent (docs/ANALYSES.md §2). Stimuli
// are the (condition, bin) pairs of the whole aligned window; the two repeats are the condition
// means over two disjoint random halves of each condition's trials.

#include <stdexcept>

#include "engine/items/prepare.hpp"
#include "kernels/cvpca.hpp"

namespace neuropop::engine::detail {

Work prepare_cvpca(const ItemEnv& env, const jobs::WorkItem& item, Population pop) {
    return [&spec = env.spec, seed = env.spec.run.seed, id = item.rng_key(),
            group = analysis_group(item.session_key, item.region),
            attrs = population_attributes(env, item), pop = std::move(pop)]() {
        kernels::CounterRng halves_rng(seed, id, stream_halves);
        const Halves halves = split_halves(pop, halves_rng);
        if (halves.used.empty())
            throw std::runtime_error("cvpca: no condition has 2 trials to split into repeats");
        const jobs::BinRange all{0, pop.bins};
        const Eigen::MatrixXd r1 = condition_means(pop, halves.a, all);
        const Eigen::MatrixXd r2 = condition_means(pop, halves.b, all);
        kernels::CounterRng shuffle_rng(seed, id, stream_shuffles);
        const auto cv = kernels::cvpca(r1, r2, spec.cvpca.shuffles, shuffle_rng,
                                       spec.cvpca.fit_first, spec.cvpca.fit_last);

        std::vector<std::string> used;
        for (auto c : halves.used)
            used.push_back(pop.conditions[c]);
        const auto n = static_cast<std::size_t>(cv.spectrum.size());
        const std::string g = group + "/cvpca";
        io::ResultBlock block;
        add_population_groups(block, group, attrs);
        block.group(
            g,
            {{"description",
              std::string("cross-validated PCA (Stringer et al. 2019): signal variance of "
                          "components fitted on one repeat, measured across the two")},
             {"stimuli", std::string("(condition, bin) pairs of the aligned window")},
             {"repeats",
              std::string("condition means over two disjoint random halves of "
                          "floor(n/2) trials (CounterRng(seed, item " +
                          std::to_string(id) + ", stream " + std::to_string(stream_halves) + "))")},
             {"n_stimuli", static_cast<std::int64_t>(r1.rows())},
             {"n_units", static_cast<std::int64_t>(pop.units)},
             {"shuffles", static_cast<std::int64_t>(spec.cvpca.shuffles)},
             {"fit_first_requested", static_cast<std::int64_t>(spec.cvpca.fit_first)},
             {"fit_last_requested", static_cast<std::int64_t>(spec.cvpca.fit_last)},
             {"fit_first", static_cast<std::int64_t>(cv.fit_first)},
             {"fit_last", static_cast<std::int64_t>(cv.fit_last)},
             {"fit_range", std::string(cv.fit_first_clipped
                                           ? "fit_first_requested left fewer than 2 components of "
                                             "this population's spectrum: the fit starts at k = 1 "
                                             "(docs/ANALYSES.md §2)"
                                           : "as requested, fit_last clipped to min(fit_last, "
                                             "units - 2, stimuli - 1)")},
             {"conditions_used", used}});
        const io::ResultBlock::Axis component{"component", "component"};
        block.add_i64(g + "/component", {n}, one_based(n), "1", "component number (1-based)",
                      {component});
        block.add_f64(g + "/spectrum", {n}, to_vector(cv.spectrum), "spikes^2",
                      "cross-validated signal variance along each component, averaged over "
                      "shuffles",
                      {component});
        block.add_scalar(g + "/alpha", cv.alpha, "1",
                         "power-law exponent: weighted least squares of log spectrum on log k, "
                         "weights 1/k, over k = fit_first..fit_last (NaN when empty)");
        return block;
    };
}

} // namespace neuropop::engine::detail
