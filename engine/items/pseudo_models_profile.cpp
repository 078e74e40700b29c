// The pooled layer profile of a region (docs/ANALYSES.md §5 and §8): the models comparison of
// every resample's pseudo-population with every layer, as [resample, layer] tables per measure,
// their mean and percentile interval over resamples, and the best layer — what models_summary
// gives across sessions, here across resamples of one pooled population.

#include <algorithm>
#include <map>
#include <stdexcept>

#include "engine/items/pseudo_blocks.hpp"
#include "io/result_store.hpp"
#include "kernels/cross_animal_stats.hpp"
#include "kernels/rdm_compare.hpp"

namespace neuropop::engine::detail {

void add_pooled_layer_profile(const std::vector<io::ResultBlock>& resamples,
                              const std::string& inner_models, const std::string& out_models,
                              const jobs::ModelsSection& m, io::ResultBlock& out) {
    if (resamples.empty()) return;
    const io::ResultBlock& first = resamples.front();
    // The layer groups, in the job's layer order.
    std::map<std::int64_t, std::pair<std::string, std::string>> layers; // index -> (name, group)
    for (const auto& g : first.groups) {
        if (io::parent_path(g.path) != inner_models + "/layers") continue;
        std::int64_t index = -1;
        std::string name;
        for (const auto& a : g.attributes) {
            if (a.name == "layer_index") index = std::get<std::int64_t>(a.value);
            if (a.name == "layer") name = std::get<std::string>(a.value);
        }
        if (index >= 0) layers[index] = {name, g.path};
    }
    if (layers.empty()) return;
    const std::size_t R = resamples.size(), L = layers.size();
    std::vector<std::string> names;
    for (const auto& [i, l] : layers)
        names.push_back(l.first);

    // Measure -> (dataset below the layer group, element): CKA scalars, one per RSA comparison.
    std::vector<std::pair<std::string, std::pair<std::string, std::size_t>>> measures;
    const auto has = [&](jobs::ModelMeasure w) {
        return std::find(m.measures.begin(), m.measures.end(), w) != m.measures.end();
    };
    if (has(jobs::ModelMeasure::Cka)) measures.push_back({"cka", {"cka", 0}});
    if (has(jobs::ModelMeasure::DebiasedCka))
        measures.push_back({"debiased_cka", {"debiased_cka", 0}});
    if (has(jobs::ModelMeasure::Rsa))
        for (std::size_t c = 0; c < m.compare.size(); ++c)
            measures.push_back(
                {std::string("rsa_") + kernels::comparison_name(m.compare[c]), {"rsa", c}});
    if (measures.empty()) return; // geometry and capacity only: per layer group, no profile
    // The best layer is chosen by debiased CKA when computed (as models_summary does), else
    // by the first measure.
    std::string primary = measures.front().first;
    for (const auto& [name, where] : measures)
        if (name == "debiased_cka") primary = name;

    const std::string g = out_models + "/profile";
    const auto j = [&](const std::string& n) { return io::join_path(g, n); };
    const io::ResultBlock::Axis ra{"resample", "resample"}, la{"layer", "layers"};
    std::vector<std::int64_t> rindex(R);
    for (std::size_t r = 0; r < R; ++r)
        rindex[r] = static_cast<std::int64_t>(r);
    std::map<std::string, std::vector<std::vector<double>>> table; // measure -> [r][l]
    for (const auto& [name, where] : measures) {
        auto& t = table[name];
        for (const auto& res : resamples) {
            std::vector<double> row;
            for (const auto& [i, l] : layers)
                row.push_back(res.at(l.second + "/" + where.first).f64().at(where.second));
            t.push_back(std::move(row));
        }
    }
    // Best layer: highest mean over resamples of the primary measure; how often each layer is
    // the best of a resample; the best layer's percentile interval over resamples.
    const auto& prim = table.at(primary);
    const auto mean_primary = kernels::mean_over(prim);
    const auto best = static_cast<std::size_t>(
        std::max_element(mean_primary.begin(), mean_primary.end()) - mean_primary.begin());
    std::vector<double> wins(L, 0.0), best_values;
    for (const auto& row : prim) {
        wins[static_cast<std::size_t>(std::max_element(row.begin(), row.end()) - row.begin())] +=
            1.0 / static_cast<double>(R);
        best_values.push_back(row[best]);
    }
    out.group(g, {{"description",
                   std::string("layer profile of the pooled pseudo-population: each measure per "
                               "resample and layer, its mean and 95 % percentile interval over "
                               "resamples, the best layer")},
                  {"best_by", primary},
                  {"best_layer", names.at(best)},
                  {"resamples", static_cast<std::int64_t>(R)}});
    out.add_strings(j("layers"), names, "layers in the job's order", {la});
    out.add_i64(j("resample"), {R}, rindex, "1", "resample index", {ra});
    for (const auto& [name, where] : measures) {
        const auto& t = table.at(name);
        std::vector<double> flat, lo(L), hi(L);
        for (const auto& row : t)
            flat.insert(flat.end(), row.begin(), row.end());
        for (std::size_t l = 0; l < L; ++l) {
            std::vector<double> column;
            for (const auto& row : t)
                column.push_back(row[l]);
            lo[l] = kernels::quantile_linear(column, 0.025);
            hi[l] = kernels::quantile_linear(column, 0.975);
        }
        out.add_f64(j(name), {R, L}, flat, "1", name + " of each resample and layer", {ra, la});
        out.add_f64(j(name + "_mean"), {L}, kernels::mean_over(t), "1",
                    "layer profile: mean of " + name + " over resamples", {la});
        out.add_f64(j(name + "_ci_low"), {L}, lo, "1", "2.5th percentile over resamples of " + name,
                    {la});
        out.add_f64(j(name + "_ci_high"), {L}, hi, "1",
                    "97.5th percentile over resamples of " + name, {la});
    }
    out.add_i64(j("best_layer_index"), {}, {static_cast<std::int64_t>(best)}, "1",
                "index into layers of the layer with the highest mean " + primary);
    out.add_f64(j("best_layer_frequency"), {L}, wins, "1",
                "fraction of resamples in which each layer has the highest " + primary, {la});
    out.add_f64(j("best_score_ci"), {2},
                {kernels::quantile_linear(best_values, 0.025),
                 kernels::quantile_linear(best_values, 0.975)},
                "1", "2.5th and 97.5th percentiles over resamples of the best layer's " + primary,
                {{"bound", ""}});
}

} // namespace neuropop::engine::detail
