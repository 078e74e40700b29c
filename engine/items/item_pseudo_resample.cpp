// Pseudo-population resample and null items (docs/ANALYSES.md §5): pool the region's contributing
// sessions (engine/items/pseudo_pool.hpp), then run the pooled analysis exactly as a session's
// item would (the same prepare_* functions, on a copy of the job restricted to this analysis and
// target, without its own permutation null: the pseudo null replaces it). Pooled models
// comparisons run the models item's comparison (engine/items/models_compare.hpp) on the pooled
// population against every layer at once, keeping its stimulus-permutation RSA p per resample.

#include <algorithm>
#include <limits>
#include <memory>
#include <stdexcept>

#include "engine/items/models_compare.hpp"
#include "engine/items/prepare.hpp"
#include "engine/items/pseudo_blocks.hpp"
#include "engine/items/pseudo_pool.hpp"
#include "io/result_store.hpp"
#include "jobs/pseudo_labels.hpp"
#include "jobs/text_values.hpp"

namespace neuropop::engine::detail {

namespace {

// The pooling labels of a session population's trials ("" = left out).
std::vector<std::string> population_labels(const jobs::PseudoTarget& t, const Population& p) {
    if (t.analysis == jobs::PseudoAnalysis::Pca) return p.trial_conditions;
    std::vector<std::vector<std::string>> columns;
    for (const auto& name : t.columns) {
        const auto& c = p.column(name);
        std::vector<std::string> v;
        for (std::size_t i = 0; i < p.trials; ++i)
            v.push_back(c.label(i));
        columns.push_back(std::move(v));
    }
    return jobs::pooling_labels(t, columns, p.trials);
}

// Gives the pooled population the sources' trials columns: the pooling columns from its joint
// labels; any other column where every session's source trial agrees, "(mixed)" where they
// differ (a model column that does not fit the pooled conditions is then left out, as for a
// session).
void restore_columns(const jobs::PseudoTarget& t, const std::vector<const Population*>& sources,
                     const std::vector<std::vector<std::size_t>>& source_trials,
                     Population& pooled) {
    if (t.analysis == jobs::PseudoAnalysis::Pca) return;
    for (const auto& [name, first] : sources.front()->columns) {
        const auto k = std::find_if(t.columns.begin(), t.columns.end(),
                                    [&](const auto& c) { return io::path_safe(c) == name; });
        TrialColumn c;
        c.is_string = true;
        for (std::size_t i = 0; i < pooled.trials; ++i) {
            if (k != t.columns.end()) {
                const auto parts = jobs::text::split_list(pooled.trial_conditions[i], '|');
                const auto pos = static_cast<std::size_t>(k - t.columns.begin());
                c.strings.push_back(pos < parts.size() ? parts[pos] : std::string());
                continue;
            }
            std::string value = first.label(source_trials[0][i]);
            for (std::size_t s = 1; s < sources.size(); ++s) {
                const auto it = sources[s]->columns.find(name);
                if (it == sources[s]->columns.end() ||
                    it->second.label(source_trials[s][i]) != value)
                    value = "(mixed)";
            }
            c.strings.push_back(value);
        }
        // A numeric column keeps its type when every value is a number.
        if (!first.is_string &&
            std::none_of(c.strings.begin(), c.strings.end(),
                         [](const std::string& v) { return v == "(mixed)" || v.empty(); })) {
            c.is_string = false;
            for (const auto& v : c.strings)
                c.numbers.push_back(std::stod(v));
            c.strings.clear();
        }
        pooled.columns[name] = std::move(c);
    }
}

// The job as the pooled analysis sees it: only this analysis and target, no inner null.
std::shared_ptr<jobs::JobSpec> restricted_spec(const jobs::JobSpec& spec,
                                               const jobs::PseudoTarget& t) {
    auto s = std::make_shared<jobs::JobSpec>(spec);
    if (t.analysis == jobs::PseudoAnalysis::Decode) {
        std::erase_if(s->decode.targets, [&](const auto& x) { return x.column != t.target; });
        s->decode.permutations = 0;
    }
    if (t.analysis == jobs::PseudoAnalysis::Geometry)
        std::erase_if(s->geometry.conditions,
                      [&](const auto& set) { return jobs::text::join(set, "*") != t.target; });
    return s;
}

} // namespace

jobs::PseudoTarget pseudo_target(const jobs::JobSpec& spec, const std::string& name) {
    for (const auto& t : jobs::pseudo_targets(spec))
        if (t.name() == name) return t;
    throw std::logic_error("pseudo: the job has no pooled analysis '" + name + "'");
}

std::string pseudo_inner_group(const jobs::WorkItem& item) {
    return analysis_group(pseudo_inner_key(item), item.region);
}

std::string pseudo_inner_key(const jobs::WorkItem& item) {
    return "pseudo-" + item.session_key;
}

Work prepare_pseudo(const ItemEnv& env, const jobs::WorkItem& item) {
    // Main thread: the contributing sessions' counts, through the rank's cache (shared with the
    // region's other resample and null items, which pool the same sessions).
    auto sources = std::make_shared<std::vector<std::shared_ptr<const Population>>>();
    auto keys = std::make_shared<std::vector<std::string>>();
    std::vector<const jobs::WorkItem*> bins;
    for (auto need : item.needs)
        if (const auto& bin = env.plan.items.at(need); bin.kind == jobs::ItemKind::Bin)
            bins.push_back(&bin);
    // Held together on this rank between the pool's items (they run one after another here: they
    // share a scheduler key), so a cache smaller than the region does not read them back each time.
    if (env.pool) {
        *sources = env.pool(bins);
    } else {
        for (const auto* bin : bins)
            sources->push_back(env.population(*bin));
    }
    for (const auto* bin : bins)
        keys->push_back(bin->session_key);
    if (sources->empty()) throw std::logic_error(item.name() + ": no contributing session");
    const jobs::PseudoTarget target = pseudo_target(env.spec, item.target);
    auto spec = restricted_spec(env.spec, target);
    // Pooled comparisons: every layer's Gram and RDM, as the model_layers items wrote them (the
    // layers themselves are read once per job, by those items).
    std::shared_ptr<const ModelLayers> layers;
    if (target.analysis == jobs::PseudoAnalysis::Models)
        layers = std::make_shared<const ModelLayers>(read_model_layers(env, item));
    return [env, item, target, spec, sources, keys, layers]() {
        std::vector<PoolSource> pool_sources;
        std::vector<const Population*> pops;
        for (const auto& p : *sources) {
            pool_sources.push_back({p.get(), population_labels(target, *p)});
            pops.push_back(p.get());
        }
        const auto conditions = common_conditions(pool_sources, 2);
        // Every condition gets as many trials as the scarcest one allows, up to pseudo.trials.
        std::size_t per_condition = env.spec.pseudo.trials;
        for (const auto& s : pool_sources)
            for (const auto& [label, n] : jobs::label_counts(s.labels))
                if (std::find(conditions.begin(), conditions.end(), label) != conditions.end())
                    per_condition = std::min(per_condition, n);

        // No population source: the pooled analysis runs here, on a compute thread, which must
        // not read files; it is given its pooled population.
        const ItemEnv inner_env{*spec, env.plan, env.items_dir, env.rank, {}, {}, {}, {}};
        auto null_spec = std::make_shared<jobs::JobSpec>(*spec);
        null_spec->models.permutations = 0;
        // Nor geometry or capacity: a null keeps only the statistics of pseudo_statistics(), and
        // its shuffled trials break models.manifold_column (a stimulus's pseudo-trials take
        // other stimuli's classes, "(mixed)" across sessions), which would fail the item. The
        // layers' participation ratios would get a null equal to their value, p = 1: no test.
        std::erase_if(null_spec->models.measures, [](jobs::ModelMeasure x) {
            return x == jobs::ModelMeasure::Geometry || x == jobs::ModelMeasure::Capacity;
        });
        jobs::WorkItem inner;
        inner.kind = jobs::pooled_kind(target.analysis);
        inner.session = item.session;
        inner.session_key = pseudo_inner_key(item);
        inner.region = item.region;
        inner.target = target.target;

        const auto run_once = [&](std::uint64_t stream, bool shuffle, const std::string& scope) {
            kernels::CounterRng rng(env.spec.run.seed, item.rng_key(), stream);
            std::vector<std::vector<std::size_t>> drawn;
            Population pooled =
                pool(pool_sources, conditions, {per_condition, shuffle}, rng, &drawn);
            restore_columns(target, pops, drawn, pooled);
            inner.scope = scope;
            if (layers != nullptr) {
                // A null keeps only the similarities: no stimulus-permutation p inside it.
                const auto group = analysis_group(inner.session_key, inner.region);
                auto block = compare_with_layers(shuffle ? *null_spec : *spec, *layers, pooled,
                                                 true, inner.rng_key(), inner.name(), group,
                                                 population_attributes(inner_env, inner));
                // Which trials formed the pseudo-population: with /pooling/conditions and the
                // sessions' binned counts, its condition means can be rebuilt outside.
                std::vector<std::int64_t> trials;
                for (const auto& source : drawn)
                    for (auto t : source)
                        trials.push_back(static_cast<std::int64_t>(t));
                block.add_i64(group + "/models/pooled_trials", {drawn.size(), pooled.trials},
                              trials, "1",
                              "the trial (row of the session's binned counts) each pseudo-trial "
                              "took from each session; pseudo-trial i is of condition i / "
                              "trials_per_condition (/pooling/conditions order)",
                              {{"session", ""}, {"pseudo_trial", ""}});
                return block;
            }
            return runner_of(inner.kind).prepare_population(inner_env, inner, std::move(pooled))();
        };

        io::ResultBlock out;
        if (item.kind == jobs::ItemKind::PseudoResample) {
            out =
                run_once(item.block, false, item.scope + "/resample/" + std::to_string(item.block));
        } else {
            for (std::uint64_t b = item.first; b < item.last; ++b) {
                auto null = run_once(b, true, item.scope + "/" + std::to_string(b));
                keep_null_statistics(null, pseudo_inner_group(item), b, out);
            }
        }
        add_pooling_record(out, *keys, pops, per_condition, conditions);
        return out;
    };
}

} // namespace neuropop::engine::detail
