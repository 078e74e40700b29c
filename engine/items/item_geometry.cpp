// Stage 2: representational geometry of one population and condition set, every window
// (docs/ANALYSES.md §4). The inventory has already checked the set's columns, the models and the
// trial counts (jobs/geometry_checks.hpp); what fails here is reported as the item's failure.

#include <stdexcept>

#include "engine/items/geometry_window.hpp"
#include "engine/items/prepare.hpp"
#include "io/model_rdm_file.hpp"
#include "jobs/geometry_sets.hpp"
#include "jobs/windows.hpp"
#include "kernels/folds.hpp"

namespace neuropop::engine::detail {

namespace {

// The set as the item's target names it ("a*b" -> {"a", "b"}), found among the job's sets.
const std::vector<std::string>& find_set(const jobs::JobSpec& spec, const jobs::WorkItem& item) {
    for (const auto& set : spec.geometry.conditions)
        if (jobs::geometry::set_name(set) == item.target) return set;
    throw std::logic_error(item.name() + ": no geometry condition set '" + item.target + "'");
}

geometry::Models make_models(const jobs::JobSpec& spec, const Population& pop,
                             const jobs::geometry::Conditions& conditions,
                             const std::optional<io::ModelRdmFile>& file) {
    geometry::Models out;
    const std::size_t k = conditions.labels.size();
    for (const auto& column : spec.geometry.model_columns) {
        const auto& c = pop.column(column);
        std::vector<std::string> values;
        for (std::size_t t = 0; t < pop.trials; ++t)
            values.push_back(c.label(t));
        std::string why;
        auto rdm = jobs::geometry::column_model(conditions, values, why);
        if (!rdm) {
            out.excluded.push_back(column + ": not one of the set's columns, and it " + why);
        } else if (jobs::geometry::constant_off_diagonal(*rdm, k)) {
            out.excluded.push_back(column + ": gives every pair of conditions the same value (no "
                                            "comparison is defined)");
        } else {
            out.names.push_back(column);
            out.rdms.push_back(std::move(*rdm));
        }
    }
    if (file) {
        for (std::size_t i = 0; i < file->models.size(); ++i) {
            auto name = file->models[i].name;
            if (file->conditions != k) {
                out.excluded.push_back(name + " (" + file->file + "): an RDM of " +
                                       std::to_string(file->conditions) +
                                       " conditions, the set has " + std::to_string(k));
                continue;
            }
            while (std::find(out.names.begin(), out.names.end(), name) != out.names.end())
                name += " (file)";
            out.names.push_back(name);
            out.rdms.push_back(file->matrix(i));
        }
    }
    return out;
}

} // namespace

Work prepare_geometry(const ItemEnv& env, const jobs::WorkItem& item, Population pop) {
    const auto& spec = env.spec;
    const auto& set = find_set(spec, item);
    // Inputs read here, on the main thread: the columns (throws if the bin item lacks one) and
    // the model file.
    for (const auto& c : set)
        (void)pop.column(c);
    std::optional<io::ModelRdmFile> file;
    if (!spec.geometry.model_file.empty()) file = io::read_model_rdm_file(spec.geometry.model_file);
    return [&spec, set, file = std::move(file), seed = spec.run.seed, key = item.rng_key(),
            name = item.name(), group = analysis_group(item.session_key, item.region),
            attrs = population_attributes(env, item), pop = std::move(pop)]() {
        const auto conditions = jobs::geometry::joint_conditions(
            set, pop.trials,
            [&](const std::string& column, std::size_t t) { return pop.column(column).label(t); });
        if (conditions.labels.size() < 2)
            throw std::runtime_error(name + ": the set has " +
                                     std::to_string(conditions.labels.size()) +
                                     " condition(s); geometry compares at least 2");
        geometry::SetInput in{spec.geometry,
                              set,
                              conditions.labels,
                              conditions.of_trial,
                              {},
                              {},
                              make_models(spec, pop, conditions, file),
                              seed,
                              key};
        for (auto n : conditions.trial_count)
            in.n_trials.push_back(static_cast<std::int64_t>(n));
        const auto& rdms = spec.geometry.rdms;
        if (std::find(rdms.begin(), rdms.end(), jobs::RdmMeasure::Crossnobis) != rdms.end()) {
            kernels::CounterRng rng(seed, key, geometry::stream_folds);
            try {
                in.folds = kernels::stratified_folds(in.labels,
                                                     static_cast<int>(spec.geometry.folds), rng);
            } catch (const std::invalid_argument& e) {
                throw std::runtime_error(name + ": crossnobis folds: " + e.what());
            }
        }

        io::ResultBlock block;
        add_population_groups(block, group, attrs);
        const std::string root = group + "/geometry";
        block.group(root,
                    {{"description",
                      std::string("representational geometry (docs/ANALYSES.md section 4) per "
                                  "condition set and window")}});
        const std::string sg = io::join_path(root, io::path_safe(jobs::geometry::set_group(set)));
        block.group(sg, {{"description",
                          std::string("condition set '" + jobs::geometry::set_name(set) + "'")},
                         {"columns", set},
                         {"seed", static_cast<std::int64_t>(seed)},
                         {"rng_key", std::to_string(key)}});
        const std::size_t T = pop.trials;
        const io::ResultBlock::Axis trial{"trial", ""};
        std::vector<std::int64_t> labels(in.labels.begin(), in.labels.end());
        block.add_i64(io::join_path(sg, "trial_condition"), {T}, std::move(labels), "1",
                      "condition of each kept trial (index into condition_labels of each "
                      "window); trials in the order of /binned/<session>/<region>/counts",
                      {trial});
        if (!in.folds.empty()) {
            std::vector<std::int64_t> folds(in.folds.begin(), in.folds.end());
            block.add_i64(io::join_path(sg, "crossnobis_folds"), {T}, std::move(folds), "1",
                          "crossnobis fold of each kept trial (stratified by condition, drawn "
                          "from the item's RNG); the same for every window",
                          {trial});
        }
        if (pop.trial_ids.size() == T)
            block.add_i64(io::join_path(sg, "trial_ids"), {T}, pop.trial_ids, "1",
                          "/intervals/trials/id of each kept trial", {trial});

        const auto windows = jobs::geometry::windows(spec);
        for (std::size_t w = 0; w < windows.size(); ++w) {
            std::string why;
            const auto range = jobs::window_bins(spec.align, windows[w], &why);
            if (!range) throw std::runtime_error(name + ": " + why);
            geometry::add_window(block, io::join_path(sg, io::path_safe(windows[w].name)), in,
                                 windows[w], w, window_sums(pop, *range));
        }
        return block;
    };
}

} // namespace neuropop::engine::detail
