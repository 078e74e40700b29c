// Stage 2: coupled Poisson GLM of one population (docs/ANALYSES.md §7, kernels/poisson_glm.hpp):
// per unit, counts in GLM bins of coupling.window from the condition × trial basis, its own
// history and every other unit's history, with λ chosen by cross-validation over whole trials.

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include "engine/items/prepare.hpp"
#include "io/result_store.hpp"
#include "jobs/coupling_shape.hpp"
#include "kernels/coupling_generator.hpp"
#include "kernels/folds.hpp"
#include "kernels/poisson_glm.hpp"
#include "kernels/raised_cosine.hpp"

namespace neuropop::engine::detail {

namespace {

using Eigen::Index;
using Eigen::MatrixXd;

// |integrated weight| above which a coupling counts as strong in the network summary: a filter
// summing to 0.2 changes the target's rate by a factor e^0.2 ≈ 1.22 per source spike, spread
// over the history.
constexpr double strong_coupling = 0.2;

const char* const model_names[] = {"stimulus", "uncoupled", "coupled"};

// Off-diagonal integrated weights of one block of the coupling matrix, for the network summary.
struct NetworkSummary {
    double sum_abs = 0;
    std::size_t positive = 0, strong_positive = 0, strong_negative = 0, pairs = 0;
    void add(double v) {
        ++pairs;
        sum_abs += std::abs(v);
        positive += v > 0 ? 1 : 0;
        strong_positive += v > strong_coupling ? 1 : 0;
        strong_negative += v < -strong_coupling ? 1 : 0;
    }
};

void add_network(io::ResultBlock& block, const std::string& n, const NetworkSummary& m,
                 const std::string& description) {
    block.group(n, {{"description", description},
                    {"threshold", strong_coupling},
                    {"threshold_meaning", std::string("a coupling is strong when |integrated "
                                                      "weight| > threshold (log rate per spike)")},
                    {"n_pairs", static_cast<std::int64_t>(m.pairs)}});
    const double np = static_cast<double>(m.pairs);
    block.add_scalar(n + "/mean_abs_weight", m.pairs ? m.sum_abs / np : std::nan(""),
                     "log rate per spike", "mean |integrated weight| over ordered pairs");
    block.add_scalar(n + "/fraction_positive",
                     m.pairs ? static_cast<double>(m.positive) / np : std::nan(""), "1",
                     "fraction of ordered pairs with a positive integrated weight");
    block.add_scalar(n + "/strong_positive", static_cast<double>(m.strong_positive), "pairs",
                     "ordered pairs with integrated weight > threshold");
    block.add_scalar(n + "/strong_negative", static_cast<double>(m.strong_negative), "pairs",
                     "ordered pairs with integrated weight < -threshold");
}

// A GLM bin's count: shape.merge consecutive bins of the population's window, from shape.range.
double glm_count(const Population& pop, std::size_t trial, std::size_t unit, std::size_t k,
                 const jobs::CouplingShape& shape) {
    double sum = 0;
    const std::size_t first = shape.range.first + k * shape.merge;
    for (std::size_t b = first; b < first + shape.merge; ++b)
        sum += pop.at(trial, unit, b);
    return sum;
}

// Each trial's condition as its index in pop.conditions (sorted).
std::vector<int> condition_indices(const Population& pop) {
    std::vector<int> conditions(pop.trials);
    for (std::size_t t = 0; t < pop.trials; ++t)
        conditions[t] =
            static_cast<int>(std::lower_bound(pop.conditions.begin(), pop.conditions.end(),
                                              pop.trial_conditions[t]) -
                             pop.conditions.begin());
    return conditions;
}

// The GLM's bases and penalties from the job's [coupling] section.
kernels::CoupledGlmSpec glm_spec(const jobs::CouplingSection& c, const jobs::CouplingShape& shape,
                                 std::size_t bins, std::size_t n_conditions) {
    kernels::CoupledGlmSpec glm;
    glm.n_conditions = static_cast<int>(n_conditions);
    glm.trial_basis =
        kernels::trial_basis(static_cast<int>(bins), static_cast<int>(c.stimulus_basis));
    glm.history_basis = kernels::post_spike_basis(
        kernels::coupling_history_basis(c.history_basis, c.history, shape.bin));
    glm.l2 = c.lambdas;
    return glm;
}

// The fit's settings, the same in both kinds of coupling item's group attributes.
io::Attributes fit_attributes(const jobs::CouplingSection& c, const jobs::CouplingShape& shape,
                              std::size_t bins, std::size_t trials) {
    const auto& w = c.window;
    return {
        {"penalty",
         std::string("L2 on the SUMMED log-likelihood: sum_i [exp(eta_i) - y_i eta_i] + "
                     "(lambda / 2) ||w||^2, intercept unpenalised; scikit-learn's "
                     "PoissonRegressor(alpha) penalises the MEAN, alpha = lambda / bins")},
        {"window", w.name},
        {"window_start", w.start},
        {"window_stop", w.stop},
        {"first_bin", static_cast<std::int64_t>(shape.range.first)},
        {"bin", shape.bin},
        {"n_bins", static_cast<std::int64_t>(bins)},
        {"history", c.history},
        {"lags", static_cast<std::int64_t>(shape.lags)},
        {"history_basis", static_cast<std::int64_t>(c.history_basis)},
        {"stimulus_basis", static_cast<std::int64_t>(c.stimulus_basis)},
        {"folds", static_cast<std::int64_t>(c.folds)},
        {"fold_rng", std::string("shuffled folds over trials, CounterRng(seed, item key, stream " +
                                 std::to_string(stream_coupling_folds) + ")")},
        {"n_trials", static_cast<std::int64_t>(trials)}};
}

// What a population's and a region pair's coupling results differ in: the axes of the fitted
// (row) and covariate (column) units and a few words of the descriptions.
struct FitLayout {
    io::ResultBlock::Axis row, col; // the filters' target and source axes
    io::ResultBlock::Axis unit;     // the per-unit datasets' axis
    std::string row_word;           // "unit" or "target unit", in the descriptions
    std::string coupled;            // what the coupled model's history covers
    std::string diagonal;           // how integrated_weights marks the own-history entries
    std::string spikes_what;        // "each unit" or "each fitted unit"
};

// The fit's datasets under g, shared by both kinds of coupling item.
void add_fit(io::ResultBlock& block, const std::string& g, const kernels::CoupledGlmResult& fit,
             const kernels::CoupledGlmSpec& glm, const std::vector<double>& grid,
             const std::vector<std::string>& conditions, double bin, std::size_t Bs,
             const FitLayout& a) {
    const auto nb = static_cast<std::size_t>(fit.n_basis);
    const auto lags = static_cast<std::size_t>(fit.lags);
    const auto R = static_cast<std::size_t>(fit.integrated.rows());
    const auto K = static_cast<std::size_t>(fit.integrated.cols());
    const auto C = conditions.size();
    const io::ResultBlock::Axis basis{"basis function", "basis_index"}, lag{"lag", "lag"},
        model{"model", "model"}, lambda{"lambda", "lambdas"}, condition{"condition", "conditions"},
        stim_basis{"stimulus basis function", "stimulus_basis_index"};
    block.add_i64(g + "/basis_index", {nb}, one_based(nb), "1",
                  "history basis function number (1-based)", {basis});
    std::vector<double> lag_s(lags);
    for (std::size_t l = 0; l < lags; ++l)
        lag_s[l] = static_cast<double>(l + 1) * bin;
    block.add_f64(g + "/lag", {lags}, lag_s, "s",
                  "time in the past of the count each filter entry weighs ((l + 1) bins)", {lag});
    block.add_strings(g + "/model", {model_names[0], model_names[1], model_names[2]},
                      "nested models: stimulus only; stimulus + own history (uncoupled); "
                      "stimulus + " +
                          a.coupled + " (coupled)",
                      {model});
    block.add_f64(g + "/lambdas", {grid.size()}, grid, "1",
                  "L2 penalties tried (on the summed log-likelihood), descending", {lambda});
    block.add_strings(g + "/conditions", conditions, "condition labels", {condition});
    block.add_i64(g + "/stimulus_basis_index", {Bs}, one_based(Bs), "1",
                  "trial basis function number (1-based)", {stim_basis});
    block.add_f64(g + "/history_basis", {lags, nb}, row_major(glm.history_basis), "1",
                  "log-stretched raised-cosine post-spike basis (GLMspiketools "
                  "makeBasis_PostSpike); filter = basis x filter_weights",
                  {lag, basis});
    block.add_f64(g + "/filter_weights", {R, K, nb}, row_major(fit.coupling_weights), "1",
                  "coupling filters in the history basis [target, source, basis]; source "
                  "== target: the own-history filter",
                  {a.row, a.col, basis});
    block.add_f64(g + "/filters", {R, K, lags}, row_major(fit.coupling_filters),
                  "log rate per spike",
                  "coupling filters over lags [target, source, lag] (history_basis x "
                  "filter_weights)",
                  {a.row, a.col, lag});
    block.add_f64(g + "/integrated_weights", {R, K}, row_major(fit.integrated),
                  "log rate per spike",
                  "filter summed over lags [target, source]: the integrated coupling weight (" +
                      a.diagonal + ")",
                  {a.row, a.col});
    block.add_f64(g + "/stimulus_weights", {R, C, Bs}, row_major(fit.stimulus_weights), "1",
                  "coupled model's weights of each condition's trial raised-cosine basis [" +
                      a.row_word + ", condition, basis]",
                  {a.unit, condition, stim_basis});
    block.add_f64(g + "/intercepts", {R}, to_vector(fit.intercepts), "log spikes per bin",
                  "coupled model's intercept", {a.unit});
    block.add_f64(g + "/spikes", {R}, to_vector(fit.spikes), "spikes",
                  "spikes of " + a.spikes_what + " in the modelled bins", {a.unit});
    block.add_f64(g + "/cv_log_likelihood", {R, 3}, row_major(fit.cv_log_likelihood), "nats",
                  "cross-validated log-likelihood (summed over test folds, log y! included) at "
                  "the chosen lambda [" +
                      a.row_word + ", model]",
                  {a.unit, model});
    block.add_f64(g + "/chosen_lambda", {R, 3}, row_major(fit.chosen_l2), "1",
                  "lambda with the highest cross-validated log-likelihood [" + a.row_word +
                      ", model]",
                  {a.unit, model});
    std::vector<double> curves;
    for (const auto& m : fit.cv_curves)
        for (double v : row_major(m))
            curves.push_back(v);
    block.add_f64(g + "/cv_curves", {3, R, grid.size()}, curves, "nats",
                  "cross-validated log-likelihood for every lambda [model, " + a.row_word +
                      ", lambda]",
                  {model, a.unit, lambda});
    block.add_f64(g + "/gain_vs_stimulus", {R}, to_vector(fit.gain_vs_stimulus), "bits/spike",
                  "cross-validated log-likelihood gain of the coupled over the stimulus-only "
                  "model, divided by the unit's spikes and ln 2",
                  {a.unit});
    block.add_f64(g + "/gain_vs_uncoupled", {R}, to_vector(fit.gain_vs_uncoupled), "bits/spike",
                  "cross-validated log-likelihood gain of the coupled over the uncoupled "
                  "(stimulus + own history) model, per spike, in bits",
                  {a.unit});
}

} // namespace

Work prepare_coupling(const ItemEnv& env, const jobs::WorkItem& item, Population pop) {
    return [&spec = env.spec, seed = env.spec.run.seed, key = item.rng_key(),
            group = analysis_group(item.session_key, item.region),
            attrs = population_attributes(env, item), pop = std::move(pop)]() {
        std::string why;
        const auto shape = jobs::coupling_shape(spec, &why);
        if (!shape) throw std::runtime_error("coupling: " + why);
        const auto& c = spec.coupling;
        const std::size_t T = pop.trials, B = shape->bins;

        // Folds over whole trials, then the units that spike outside every test fold (the fit
        // of a unit silent in a training set has an intercept of −∞).
        kernels::CounterRng rng(seed, key, stream_coupling_folds);
        const auto folds = kernels::shuffled_folds(T, static_cast<int>(c.folds), rng);
        std::vector<std::size_t> used;
        std::vector<std::int64_t> excluded;
        for (std::size_t u = 0; u < pop.units; ++u) {
            std::vector<double> per_fold(c.folds, 0.0);
            double total = 0;
            for (std::size_t t = 0; t < T; ++t)
                for (std::size_t b = shape->range.first; b < shape->range.last; ++b) {
                    per_fold[static_cast<std::size_t>(folds[t])] += pop.at(t, u, b);
                    total += pop.at(t, u, b);
                }
            const bool ok = std::all_of(per_fold.begin(), per_fold.end(),
                                        [&](double f) { return total - f > 0; });
            if (ok)
                used.push_back(u);
            else
                excluded.push_back(pop.unit_ids[u]);
        }
        const std::size_t U = used.size();

        std::string excluded_text;
        // Appended piecewise: GCC 12 warns falsely (-Wrestrict, bug 105329) on "," + string.
        for (auto id : excluded) {
            if (!excluded_text.empty()) excluded_text += ',';
            excluded_text += std::to_string(id);
        }
        const std::string g = group + "/coupling";
        io::ResultBlock block;
        add_population_groups(block, group, attrs);
        io::Attributes ga{
            {"description",
             std::string("coupled Poisson GLM (Pillow et al. 2008): log rate = condition x "
                         "trial raised-cosine basis + own-history filter + coupling filters "
                         "from the other units' past counts; Newton / IRLS, L2 penalty chosen "
                         "per unit and model by cross-validated log-likelihood over whole "
                         "trials, refitted on all trials")}};
        for (auto& a : fit_attributes(c, *shape, B, T))
            ga.push_back(std::move(a));
        for (io::Attribute a : io::Attributes{
                 {"n_units", static_cast<std::int64_t>(pop.units)},
                 {"n_fitted_units", static_cast<std::int64_t>(U)},
                 {"excluded_units", std::string(excluded_text.empty() ? "none" : excluded_text) +
                                        " (unit ids without spikes outside some test fold)"}})
            ga.push_back(std::move(a));
        if (U == 0) {
            ga.push_back({"not_fitted", std::string("no unit spikes outside every test fold")});
            block.group(g, ga);
            return block;
        }

        // Rows trial-major (trial t, GLM bin k), columns the used units.
        MatrixXd counts(static_cast<Index>(T * B), static_cast<Index>(U));
        for (std::size_t t = 0; t < T; ++t)
            for (std::size_t k = 0; k < B; ++k)
                for (std::size_t i = 0; i < U; ++i)
                    counts(static_cast<Index>(t * B + k), static_cast<Index>(i)) =
                        glm_count(pop, t, used[i], k, *shape);
        const auto conditions = condition_indices(pop);
        auto glm = glm_spec(c, *shape, B, pop.conditions.size());
        const auto fit = kernels::fit_coupled_glm(counts, conditions, folds, glm);

        std::vector<double> grid = c.lambdas;
        std::sort(grid.begin(), grid.end(), std::greater<>());

        // Network summary over the off-diagonal (between-unit) integrated weights.
        NetworkSummary network;
        for (Index t = 0; t < fit.integrated.rows(); ++t)
            for (Index s = 0; s < fit.integrated.cols(); ++s)
                if (s != t) network.add(fit.integrated(t, s));
        block.group(g, ga);
        const io::ResultBlock::Axis unit{"unit", "unit_ids"}, target{"target unit", "unit_ids"},
            source{"source unit", "unit_ids"};
        std::vector<std::int64_t> ids;
        for (auto u : used)
            ids.push_back(pop.unit_ids[u]);
        block.add_i64(g + "/unit_ids", {U}, ids, "1", "/units/id of each fitted unit", {unit});
        add_fit(block, g, fit, glm, grid, pop.conditions, shape->bin, c.stimulus_basis,
                {target, source, unit, "unit", "every unit's history", "diagonal: own history",
                 "each unit"});
        const std::string n = g + "/network";
        add_network(block, n, network,
                    "summary of the between-unit integrated weights (off-diagonal of "
                    "integrated_weights)");
        block.add_scalar(n + "/mean_gain_vs_stimulus", fit.gain_vs_stimulus.mean(), "bits/spike",
                         "mean over fitted units of gain_vs_stimulus");
        return block;
    };
}

Work prepare_coupling_pair(const ItemEnv& env, const jobs::WorkItem& item) {
    if (item.needs.size() != 2)
        throw std::logic_error(item.name() + ": needs the source's and the target's bin items");
    // Through the rank's population cache, as every other stage-2 item reads its counts (a pair
    // reads two populations its rank may already hold); from the bin item's file without one.
    const auto population = [&](std::uint64_t id) -> std::shared_ptr<const Population> {
        const auto& bin = env.plan.items.at(id);
        if (env.population) return env.population(bin);
        auto block = io::read_item_file(item_file(env.items_dir, bin.id).string());
        return std::make_shared<const Population>(
            Population::from_block(block, binned_group(bin.session_key, bin.region)));
    };
    const auto& session = env.plan.sessions.at(item.session);
    io::Attributes attrs{{"session", session.key},     {"identifier", session.identifier},
                         {"subject", session.subject}, {"source", item.region},
                         {"target", item.target},      {"file", session.file}};
    return [&spec = env.spec, seed = env.spec.run.seed, key = item.rng_key(), name = item.name(),
            group = "/sessions/" + io::path_safe(item.session_key) + "/coupling_pairs",
            pair = io::path_safe(item.region) + "__" + io::path_safe(item.target),
            attrs = std::move(attrs), source_pop = population(item.needs[0]),
            target_pop = population(item.needs[1]), source_name = item.region,
            target_name = item.target]() {
        const Population& source = *source_pop;
        const Population& target = *target_pop;
        std::string why;
        const auto shape = jobs::coupling_shape(spec, &why);
        if (!shape) throw std::runtime_error(name + ": " + why);
        if (source.trials != target.trials || source.trial_conditions != target.trial_conditions)
            throw std::runtime_error(name + ": the two regions' bin items hold different trials");
        const auto& c = spec.coupling;
        const std::size_t T = target.trials, B = shape->bins;

        // Folds over whole trials (keyed by this item, so they are the pair's own), then the
        // target units that spike outside every test fold (fitted) and the source units with
        // any spike in the window (a silent unit's history is a zero column).
        kernels::CounterRng rng(seed, key, stream_coupling_folds);
        const auto folds = kernels::shuffled_folds(T, static_cast<int>(c.folds), rng);
        struct Member {
            const Population* pop;
            std::size_t unit;
        };
        std::vector<Member> members; // the model's units: fitted target units, then sources
        std::vector<std::int64_t> excluded;
        for (std::size_t u = 0; u < target.units; ++u) {
            std::vector<double> per_fold(c.folds, 0.0);
            double total = 0;
            for (std::size_t t = 0; t < T; ++t)
                for (std::size_t b = shape->range.first; b < shape->range.last; ++b) {
                    per_fold[static_cast<std::size_t>(folds[t])] += target.at(t, u, b);
                    total += target.at(t, u, b);
                }
            if (std::all_of(per_fold.begin(), per_fold.end(),
                            [&](double f) { return total - f > 0; }))
                members.push_back({&target, u});
            else
                excluded.push_back(target.unit_ids[u]);
        }
        const std::size_t fitted = members.size();
        for (std::size_t u = 0; u < source.units; ++u) {
            double total = 0;
            for (std::size_t t = 0; t < T; ++t)
                for (std::size_t b = shape->range.first; b < shape->range.last; ++b)
                    total += source.at(t, u, b);
            if (total > 0)
                members.push_back({&source, u});
            else
                excluded.push_back(source.unit_ids[u]);
        }
        const std::size_t U = members.size();
        std::string excluded_text;
        for (auto id : excluded) {
            if (!excluded_text.empty()) excluded_text += ',';
            excluded_text += std::to_string(id);
        }

        io::ResultBlock block;
        block.group("/sessions", {{"description", std::string("analyses per session and region")}});
        block.group(group, {{"description",
                             std::string("coupled Poisson GLMs across region pairs: each target "
                                         "unit fitted with both regions' units' history")}});
        const std::string g = group + "/" + pair;
        auto ga = attrs;
        for (io::Attribute a : io::Attributes{
                 {"description",
                  std::string("coupled Poisson GLM (Pillow et al. 2008) of the target region's "
                              "units: log rate = condition x trial raised-cosine basis + own "
                              "history + coupling filters from the past counts of the other "
                              "target units and of the source region's units; as "
                              "/sessions/<s>/<region>/coupling otherwise")},
                 {"n_target_units", static_cast<std::int64_t>(target.units)},
                 {"n_source_region_units", static_cast<std::int64_t>(source.units)},
                 {"n_fitted_units", static_cast<std::int64_t>(fitted)},
                 {"excluded_units",
                  std::string(excluded_text.empty() ? "none" : excluded_text) +
                      " (target unit ids without spikes outside some test fold, source unit "
                      "ids without spikes in the window)"}})
            ga.push_back(std::move(a));
        for (auto& a : fit_attributes(c, *shape, B, T))
            ga.push_back(std::move(a));
        if (fitted == 0) {
            ga.push_back({"not_fitted", std::string("no target unit spikes outside every test "
                                                    "fold")});
            block.group(g, ga);
            return block;
        }

        MatrixXd counts(static_cast<Index>(T * B), static_cast<Index>(U));
        for (std::size_t t = 0; t < T; ++t)
            for (std::size_t k = 0; k < B; ++k)
                for (std::size_t i = 0; i < U; ++i)
                    counts(static_cast<Index>(t * B + k), static_cast<Index>(i)) =
                        glm_count(*members[i].pop, t, members[i].unit, k, *shape);
        const auto conditions = condition_indices(target);
        auto glm = glm_spec(c, *shape, B, target.conditions.size());
        for (std::size_t i = 0; i < fitted; ++i)
            glm.targets.push_back(static_cast<int>(i));
        const auto fit = kernels::fit_coupled_glm(counts, conditions, folds, glm);

        std::vector<double> grid = c.lambdas;
        std::sort(grid.begin(), grid.end(), std::greater<>());

        // Network summary per block of the integrated weights: target <- target (off-diagonal)
        // and target <- source region.
        NetworkSummary within, across;
        for (Index t = 0; t < fit.integrated.rows(); ++t)
            for (Index s = 0; s < fit.integrated.cols(); ++s)
                if (s != t)
                    (static_cast<std::size_t>(s) >= fitted ? across : within)
                        .add(fit.integrated(t, s));
        block.group(g, ga);
        const io::ResultBlock::Axis tgt{"target unit", "target_unit_ids"},
            src{"source unit", "source_unit_ids"};
        std::vector<std::int64_t> target_ids, source_ids;
        std::vector<std::string> source_regions;
        for (std::size_t i = 0; i < U; ++i) {
            const auto id = members[i].pop->unit_ids[members[i].unit];
            if (i < fitted) target_ids.push_back(id);
            source_ids.push_back(id);
            source_regions.push_back(i < fitted ? target_name : source_name);
        }
        block.add_i64(g + "/target_unit_ids", {fitted}, target_ids, "1",
                      "/units/id of each fitted unit (the target region's)", {tgt});
        block.add_i64(g + "/source_unit_ids", {U}, source_ids, "1",
                      "/units/id of each unit whose history is a covariate: the fitted target "
                      "units, then the source region's units",
                      {src});
        block.add_strings(g + "/source_regions", source_regions,
                          "region of each unit of source_unit_ids", {src});
        add_fit(block, g, fit, glm, grid, target.conditions, shape->bin, c.stimulus_basis,
                {tgt, src, tgt, "target unit", "the history of every unit of both regions",
                 "source == target: own history", "each fitted unit"});
        add_network(block, g + "/network_within", within,
                    "summary of the integrated weights between distinct target-region units");
        add_network(block, g + "/network_across", across,
                    "summary of the integrated weights from source-region to target-region units");
        return block;
    };
}

} // namespace neuropop::engine::detail
