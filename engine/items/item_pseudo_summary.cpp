// The "pseudo_summary" item of one pooled analysis: for every region, the pooled
// pseudo-population's p-values with Benjamini–Hochberg FDR across every region (and element:
// time bin, comparison...), and with per-animal pooling the cross-animal summary — each animal's
// value (mean over its resamples), the mean over animals, a percentile bootstrap CI resampling
// animals (not trials), each animal's null p and Fisher's combination across animals.

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <stdexcept>

#include "engine/items/pseudo_blocks.hpp"
#include "io/result_store.hpp"
#include "kernels/cross_animal_stats.hpp"
#include "kernels/stats.hpp"

namespace neuropop::engine::detail {

namespace {

struct AnimalRuns {
    std::vector<io::ResultBlock> resamples, nulls;
    std::string inner; // the group the pooled analysis wrote in these blocks
};

bool is_statistic(const std::string& name) {
    const auto& stats = pseudo_statistics();
    return std::find(stats.begin(), stats.end(), name) != stats.end();
}

// Whether `name` is the name of a dimension scale of some dataset of `group` that `uses` picks.
bool scale_of(const io::ResultBlock& block, const std::string& group, const std::string& name,
              const std::function<bool(const io::DatasetBlock&)>& uses) {
    for (const auto& x : block.datasets)
        if (io::parent_path(x.path) == group && uses(x) &&
            std::find(x.scales.begin(), x.scales.end(), name) != x.scales.end())
            return true;
    return false;
}

// The values the summary uses of a "pseudo" item's file (the rest, the per-resample stacks and
// null distributions, is most of it): the p-values p_<stat>, the matching <stat>_mean and the
// coordinates of the p-values.
bool pooled_value_used(const io::ResultBlock& block, const io::DatasetBlock& d) {
    const auto name = io::base_name(d.path);
    const auto group = io::parent_path(d.path);
    const auto is_p = [](const io::DatasetBlock& x) {
        return io::base_name(x.path).rfind("p_", 0) == 0;
    };
    if (is_p(d)) return true;
    if (name.size() > 5 && name.compare(name.size() - 5, 5, "_mean") == 0 &&
        block.find(io::join_path(group, "p_" + name.substr(0, name.size() - 5))) != nullptr)
        return true;
    return scale_of(block, group, name, is_p);
}

// The values the cross-animal summary uses of a resample item's file: the statistics below the
// pooled analysis's group and their coordinates; of a null item's file, the null statistics.
io::WantedValues animal_values_used(const std::string& inner) {
    return [inner](const io::ResultBlock& block, const io::DatasetBlock& d) {
        if (d.path.rfind("/null/", 0) == 0) return true;
        if (d.path.rfind(inner + "/", 0) != 0) return false;
        const auto is_stat = [](const io::DatasetBlock& x) {
            return x.type() == io::ElementType::Float64 && is_statistic(io::base_name(x.path));
        };
        return is_stat(d) ||
               scale_of(block, io::parent_path(d.path), io::base_name(d.path), is_stat);
    };
}

} // namespace

Work prepare_pseudo_summary(const ItemEnv& env, const jobs::WorkItem& item) {
    // region -> pooled block; region -> animal -> runs. Only the datasets the summary uses are
    // read (docs/DESIGN.md "Data locality").
    std::map<std::string, io::ResultBlock> pooled;
    std::map<std::string, std::map<std::string, AnimalRuns>> animals;
    for (auto need : item.needs) {
        const auto& n = env.plan.items.at(need);
        if (n.kind == jobs::ItemKind::Pseudo) {
            pooled[n.region] = read_need(env, n.id, io::WantedValues(pooled_value_used));
            continue;
        }
        auto& runs = animals[n.region][n.session_key.substr(std::string("animal=").size())];
        runs.inner = pseudo_inner_group(n);
        (n.kind == jobs::ItemKind::PseudoResample ? runs.resamples : runs.nulls)
            .push_back(read_need(env, n.id, animal_values_used(runs.inner)));
    }
    return [item, pooled = std::move(pooled), animals = std::move(animals),
            seed = env.spec.run.seed, bootstrap = env.spec.pseudo.bootstrap]() {
        io::ResultBlock out;
        out.group("/summary", {{"description", std::string("summaries across sessions, regions "
                                                           "and animals")}});
        // Every pooled p-value of this analysis, in (region, dataset, element) order, for BH.
        struct PEntry {
            std::string region, path; // path of p_<stat> in the pooled block
            std::size_t offset;
        };
        std::vector<double> all_p;
        std::vector<PEntry> where;
        for (const auto& [region, block] : pooled)
            for (const auto& d : block.datasets) {
                const auto name = io::base_name(d.path);
                if (name.rfind("p_", 0) != 0) continue;
                where.push_back({region, d.path, all_p.size()});
                for (double p : d.f64())
                    all_p.push_back(std::isfinite(p) ? p : 1.0);
            }
        const auto q = all_p.empty() ? std::vector<double>{} : kernels::benjamini_hochberg(all_p);

        const auto summary_path = [&](const std::string& region, const std::string& pooled_path) {
            // /pseudo/<region>/<rest> -> /summary/<region>/pseudo/<rest>
            const std::string prefix = "/pseudo/" + io::path_safe(region);
            return "/summary/" + io::path_safe(region) + "/pseudo" +
                   pooled_path.substr(prefix.size());
        };
        const auto copy_coordinates = [&](const io::ResultBlock& from, const io::DatasetBlock& d,
                                          const std::string& to_group, std::size_t skip_axes) {
            for (std::size_t a = skip_axes; a < d.scales.size(); ++a) {
                if (d.scales[a].empty()) continue;
                const auto src = io::join_path(io::parent_path(d.path), d.scales[a]);
                const auto dst = io::join_path(to_group, d.scales[a]);
                if (out.find(dst) != nullptr || from.find(src) == nullptr) continue;
                io::DatasetBlock c = from.at(src);
                c.path = dst;
                out.datasets.push_back(std::move(c));
            }
        };

        for (const auto& e : where) {
            const auto& block = pooled.at(e.region);
            const auto& p = block.at(e.path);
            const std::string stat = io::base_name(e.path).substr(2);
            const std::string group = io::parent_path(summary_path(e.region, e.path));
            out.group(group,
                      {{"fdr", std::string("benjamini-hochberg over every region and element of "
                                           "this pooled analysis")},
                       {"alpha", 0.05}});
            copy_coordinates(block, p, group, 0);
            io::DatasetBlock pp = p;
            pp.path = io::join_path(group, "pooled_p_" + stat);
            pp.description = "pooled pseudo-population: " + p.description;
            out.datasets.push_back(pp);
            io::DatasetBlock qq = p;
            qq.path = io::join_path(group, "q_" + stat);
            qq.f64().assign(q.begin() + static_cast<std::ptrdiff_t>(e.offset),
                            q.begin() + static_cast<std::ptrdiff_t>(e.offset + p.f64().size()));
            qq.description = "Benjamini-Hochberg adjusted p of pooled_p_" + stat +
                             " across every region and element";
            out.datasets.push_back(qq);
            if (const auto* m =
                    block.find(io::join_path(io::parent_path(e.path), stat + "_mean"))) {
                io::DatasetBlock mm = *m;
                mm.path = io::join_path(group, "pooled_" + stat + "_mean");
                out.datasets.push_back(std::move(mm));
            }
        }

        // Cross-animal summaries.
        for (const auto& [region, by_animal] : animals) {
            const auto& any = by_animal.begin()->second;
            const auto& first = any.resamples.front();
            std::vector<std::string> names;
            for (const auto& [a, runs] : by_animal)
                names.push_back(a);
            for (const auto& d : first.datasets) {
                if (d.type() != io::ElementType::Float64 || d.path.rfind(any.inner + "/", 0) != 0)
                    continue;
                const auto stat = io::base_name(d.path);
                const auto& stats = pseudo_statistics();
                if (std::find(stats.begin(), stats.end(), stat) == stats.end()) continue;
                const std::string rel = d.path.substr(any.inner.size());
                const std::string group =
                    "/summary/" + io::path_safe(region) + "/pseudo" + io::parent_path(rel);
                const std::size_t n = d.f64().size();
                std::vector<std::vector<double>> per_animal, p_animal;
                for (const auto& [a, runs] : by_animal) {
                    std::vector<std::vector<double>> values;
                    for (const auto& r : runs.resamples)
                        values.push_back(r.at(runs.inner + rel).f64());
                    per_animal.push_back(kernels::mean_over(values));
                    std::size_t nulls = 0;
                    const auto null = null_statistic(runs.nulls, rel, nulls);
                    p_animal.push_back(
                        null.empty() ? std::vector<double>(n, std::nan(""))
                                     : kernels::permutation_p_values(per_animal.back(), null));
                }
                const std::size_t A = per_animal.size();
                std::vector<double> flat, pflat;
                for (std::size_t a = 0; a < A; ++a) {
                    flat.insert(flat.end(), per_animal[a].begin(), per_animal[a].end());
                    pflat.insert(pflat.end(), p_animal[a].begin(), p_animal[a].end());
                }
                kernels::CounterRng rng(seed, item.rng_key(), 0);
                const auto across =
                    kernels::cross_animal_summary(per_animal, p_animal, bootstrap, rng);
                out.group(group, {{"animals", static_cast<std::int64_t>(A)},
                                  {"bootstrap", static_cast<std::int64_t>(bootstrap)},
                                  {"ci", std::string("percentile 95% bootstrap over animals "
                                                     "(animals resampled with replacement)")}});
                const io::ResultBlock::Axis animal{"animal", "animals"};
                if (out.find(io::join_path(group, "animals")) == nullptr)
                    out.add_strings(io::join_path(group, "animals"), names,
                                    "subjects, each pooled alone", {animal});
                copy_coordinates(first, d, group, 0);
                std::vector<std::uint64_t> shape_a = d.shape;
                shape_a.insert(shape_a.begin(), A);
                std::vector<io::ResultBlock::Axis> axes_a{animal}, axes;
                for (std::size_t k = 0; k < d.dims.size(); ++k) {
                    axes.push_back({d.dims[k], k < d.scales.size() ? d.scales[k] : ""});
                    axes_a.push_back(axes.back());
                }
                const auto j = [&](const std::string& name) { return io::join_path(group, name); };
                out.add_f64(j("animal_" + stat), shape_a, flat, d.units,
                            "per animal, mean over its resamples: " + d.description, axes_a);
                out.add_f64(j("animal_p_" + stat), shape_a, pflat, "1",
                            "per animal: (1 + #{null >= value}) / (1 + nulls)", axes_a);
                out.add_f64(j(stat + "_mean_over_animals"), d.shape, across.mean, d.units,
                            "mean over animals of animal_" + stat, axes);
                out.add_f64(j(stat + "_ci_low"), d.shape, across.ci_low, d.units,
                            "2.5th percentile of the bootstrap mean over animals", axes);
                out.add_f64(j(stat + "_ci_high"), d.shape, across.ci_high, d.units,
                            "97.5th percentile of the bootstrap mean over animals", axes);
                out.add_f64(j("fisher_p_" + stat), d.shape, across.fisher_p, "1",
                            "Fisher's combination of animal_p_" + stat + " across animals", axes);
            }
        }
        return out;
    };
}

} // namespace neuropop::engine::detail
