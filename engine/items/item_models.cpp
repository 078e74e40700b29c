// Brain <-> network comparisons (docs/ANALYSES.md §8, docs/MODELS.md).
//
// model_layers (intermediate, one per block of layers): reads each layer of the block in blocks
// of features on the main thread (HDF5) and accumulates its centred Gram matrix and its RDM over
// every stimulus of the file, so a wide layer is never held whole; writes them for the models
// items. models (population x block): the population's stimulus means in models.window against
// each layer of the block — plain and debiased CKA, RSA with a stimulus-label permutation p — and
// (block 0) the brain RDM and its split-half noise ceiling. models_summary (per region): the
// sessions side by side, the layer profile, the best layer with bootstrap intervals over sessions
// and over animals, and the leave-one-session-out noise ceiling.
//
// A population uses the stimuli of the file that have at least two trials in the session (the
// split-half ceiling needs two; crossnobis needs models.folds); its layer Grams and RDMs are the
// sub-matrices of the file-wide ones on those stimuli. That is exact: re-centring the sub-matrix
// of a centred Gram over the subset gives the subset's centred Gram (both CKA estimators are
// invariant to shifting every stimulus by one vector), and an RDM entry depends on its two
// stimuli only.

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
#include <stdexcept>

#include "engine/items/models_compare.hpp"
#include "engine/items/models_geometry.hpp"
#include "engine/items/prepare.hpp"
#include "io/model_file.hpp"
#include "io/result_store.hpp"
#include "jobs/models_checks.hpp"
#include "jobs/windows.hpp"
#include "kernels/cka.hpp"
#include "kernels/cross_animal_stats.hpp"
#include "kernels/crossnobis.hpp"
#include "kernels/folds.hpp"
#include "kernels/noise_ceiling.hpp"
#include "kernels/rdm.hpp"
#include "kernels/rdm_compare.hpp"

namespace neuropop::engine::detail {

namespace {

using Eigen::Index;
using Eigen::MatrixXd;

bool measured(const jobs::ModelsSection& m, jobs::ModelMeasure what) {
    return std::find(m.measures.begin(), m.measures.end(), what) != m.measures.end();
}

std::string layers_root(std::size_t block) {
    return "/model_layers/" + std::to_string(block);
}

MatrixXd from_row_major(const std::vector<double>& v, Index n) {
    MatrixXd m(n, n);
    for (Index r = 0; r < n; ++r)
        for (Index c = 0; c < n; ++c)
            m(r, c) = v[static_cast<std::size_t>(r * n + c)];
    return m;
}

// The rows and columns `keep` of m.
MatrixXd sub(const MatrixXd& m, const std::vector<std::size_t>& keep) {
    const auto n = static_cast<Index>(keep.size());
    MatrixXd out(n, n);
    for (Index r = 0; r < n; ++r)
        for (Index c = 0; c < n; ++c)
            out(r, c) = m(static_cast<Index>(keep[static_cast<std::size_t>(r)]),
                          static_cast<Index>(keep[static_cast<std::size_t>(c)]));
    return out;
}

// Correlation RDM of the rows of a stimuli x features matrix given in feature blocks: each block
// is centred over its own features and its Gram summed; the block means enter at the end
// through the pooled-variance identity (Chan, Golub & LeVeque 1979), so large feature means do
// not cancel catastrophically as in X Xᵀ − s sᵀ / q.
class RowCorrelation {
public:
    explicit RowCorrelation(Index n) : gram_(MatrixXd::Zero(n, n)) {}
    void add(const Eigen::Ref<const MatrixXd>& block) {
        const Eigen::VectorXd mu = block.rowwise().mean();
        const MatrixXd c = block.colwise() - mu;
        // The lower triangle only (a symmetric rank-k update, syrk): half the flops of C Cᵀ.
        gram_.selfadjointView<Eigen::Lower>().rankUpdate(c);
        means_.push_back(mu);
        counts_.push_back(static_cast<double>(block.cols()));
    }
    MatrixXd rdm() const {
        const Index n = gram_.rows();
        double q = 0;
        Eigen::VectorXd mu = Eigen::VectorXd::Zero(n);
        for (std::size_t b = 0; b < means_.size(); ++b)
            q += counts_[b];
        for (std::size_t b = 0; b < means_.size(); ++b)
            mu += means_[b] * (counts_[b] / q);
        MatrixXd c = gram_;
        for (std::size_t b = 0; b < means_.size(); ++b) {
            const Eigen::VectorXd d = means_[b] - mu;
            c.selfadjointView<Eigen::Lower>().rankUpdate(d, counts_[b]);
        }
        c.triangularView<Eigen::StrictlyUpper>() = c.transpose();
        MatrixXd out(n, n);
        for (Index i = 0; i < n; ++i)
            for (Index j = 0; j < n; ++j)
                out(i, j) = i == j ? 0.0 : 1.0 - c(i, j) / std::sqrt(c(i, i) * c(j, j));
        return out;
    }

private:
    MatrixXd gram_;
    std::vector<Eigen::VectorXd> means_;
    std::vector<double> counts_;
};

void append_layer_block(const io::ResultBlock& b, std::size_t block, ModelLayers& out) {
    const auto root = layers_root(block);
    const auto stimuli = b.at(root + "/stimuli").text();
    if (!out.stimuli.empty() && stimuli != out.stimuli)
        throw std::logic_error("model_layers blocks disagree on the stimuli");
    out.stimuli = stimuli;
    const auto names = b.at(root + "/layers").text();
    const auto index = b.at(root + "/layer_index").i64();
    const auto features = b.at(root + "/features").i64();
    const auto n = static_cast<Index>(stimuli.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        const auto g = root + "/" + std::to_string(i);
        out.names.push_back(names[i]);
        out.index.push_back(index[i]);
        out.features.push_back(features[i]);
        out.grams.push_back(from_row_major(b.at(g + "/gram").f64(), n));
        out.rdms.push_back(from_row_major(b.at(g + "/rdm").f64(), n));
    }
}

// Stream of layer g's permutations for comparison m: one per (layer, comparison), so how the
// layers are split into items does not change any draw.
std::uint64_t stream_permutation(std::int64_t g, std::size_t m) {
    return 1000 + static_cast<std::uint64_t>(g) * 8 + m;
}
constexpr std::uint64_t models_stream_folds = 1;
constexpr std::uint64_t models_stream_halves = 2;
constexpr std::uint64_t models_stream_sessions = 1;
constexpr std::uint64_t models_stream_animals = 2;

MatrixXd brain_rdm(const jobs::ModelsSection& m, const MatrixXd& means, const MatrixXd& trials,
                   const std::vector<int>& labels, const std::vector<int>& folds) {
    if (m.rdm == jobs::RdmMeasure::Crossnobis)
        return kernels::crossnobis_rdm(trials, labels, folds).rdm;
    return kernels::correlation_rdm(means);
}

std::vector<double> flat(const MatrixXd& m) {
    return row_major(m);
}

} // namespace

Work prepare_model_layers(const ItemEnv& env, const jobs::WorkItem& item) {
    const auto& spec = env.spec;
    const auto info = io::read_model_file_info(spec.models.file);
    const auto all = jobs::models::selected_layers(spec, info);
    const std::size_t per = spec.models.layers_per_item;
    const std::size_t first = item.block * per, last = std::min(all.size(), first + per);
    const auto n = static_cast<Index>(info.stimuli());
    // Read and accumulated here, on the main thread (only it may call HDF5), block by block: the
    // layer is never held whole. The compute step only packs the matrices.
    std::vector<MatrixXd> grams, rdms;
    std::vector<std::int64_t> features, index;
    std::vector<std::string> names;
    for (std::size_t i = first; i < last; ++i) {
        const auto& layer = info.layer(all[i]);
        kernels::GramAccumulator gram(n);
        RowCorrelation corr(n);
        const bool correlation = spec.models.layer_rdm == jobs::RdmMeasure::Correlation;
        io::for_each_feature_block(
            info, layer, jobs::models::block_values,
            [&](const std::vector<double>& v, std::size_t, std::size_t count) {
                const Eigen::Map<
                    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
                    block(v.data(), n, static_cast<Index>(count));
                const MatrixXd b = block;
                gram.add(b);
                if (correlation) corr.add(b);
            });
        MatrixXd g = gram.gram();
        MatrixXd rdm;
        if (correlation) {
            rdm = corr.rdm();
        } else {
            // ‖x_i − x_j‖² / q from the centred Gram (kernels/rdm.hpp's euclidean_rdm).
            rdm.resize(n, n);
            const double q = static_cast<double>(layer.features);
            for (Index r = 0; r < n; ++r)
                for (Index c = 0; c < n; ++c)
                    rdm(r, c) = r == c ? 0.0 : (g(r, r) + g(c, c) - 2.0 * g(r, c)) / q;
        }
        grams.push_back(std::move(g));
        rdms.push_back(std::move(rdm));
        features.push_back(static_cast<std::int64_t>(layer.features));
        index.push_back(static_cast<std::int64_t>(i));
        names.push_back(layer.name);
    }
    return [root = layers_root(item.block), stimuli = jobs::models::stimulus_labels(info),
            grams = std::move(grams), rdms = std::move(rdms), features = std::move(features),
            index = std::move(index), names = std::move(names)]() {
        io::ResultBlock block;
        block.group("/model_layers");
        block.group(root);
        const auto k = static_cast<std::uint64_t>(stimuli.size());
        block.add_strings(root + "/stimuli", stimuli, "stimulus labels, file order",
                          {{"stimulus", ""}});
        block.add_strings(root + "/layers", names, "layers of this block", {{"layer", ""}});
        block.add_i64(root + "/layer_index", {names.size()}, index, "1", "position in the job",
                      {{"layer", ""}});
        block.add_i64(root + "/features", {names.size()}, features, "1", "features per layer",
                      {{"layer", ""}});
        for (std::size_t i = 0; i < names.size(); ++i) {
            const auto g = root + "/" + std::to_string(i);
            block.group(g);
            block.add_f64(g + "/gram", {k, k}, flat(grams[i]), "1", "centred Gram matrix",
                          {{"stimulus", ""}, {"stimulus", ""}});
            block.add_f64(g + "/rdm", {k, k}, flat(rdms[i]), "1", "layer RDM",
                          {{"stimulus", ""}, {"stimulus", ""}});
        }
        return block;
    };
}

ModelLayers read_model_layers(const ItemEnv& env, const jobs::WorkItem& item) {
    ModelLayers out;
    for (auto need : item.needs) {
        const auto& n = env.plan.items.at(need);
        if (n.kind != jobs::ItemKind::ModelLayers) continue;
        append_layer_block(read_need(env, n.id), n.block, out);
    }
    if (out.names.empty()) throw std::logic_error(item.name() + ": no model_layers item");
    return out;
}

Work prepare_models(const ItemEnv& env, const jobs::WorkItem& item, Population pop) {
    const auto& spec = env.spec;
    auto layers = read_model_layers(env, item);
    (void)pop.column(spec.models.column); // throws here, on the main thread, when not copied
    if (!spec.models.manifold_column.empty()) (void)pop.column(spec.models.manifold_column);
    return [&spec, layers = std::move(layers), pop = std::move(pop), block_index = item.block,
            key = item.rng_key(), name = item.name(),
            group = analysis_group(item.session_key, item.region),
            attrs = population_attributes(env, item)]() {
        return compare_with_layers(spec, layers, pop, block_index == 0, key, name, group, attrs);
    };
}

io::ResultBlock compare_with_layers(const jobs::JobSpec& spec, const ModelLayers& layers,
                                    const Population& pop, bool population_part, std::uint64_t key,
                                    const std::string& name, const std::string& group,
                                    const io::Attributes& attrs) {
    const std::uint64_t seed = spec.run.seed;
    const auto& m = spec.models;
    const std::size_t need =
        m.rdm == jobs::RdmMeasure::Crossnobis ? std::max<std::size_t>(2, m.folds) : 2;
    // Trials of each stimulus of the file, in trial order.
    std::map<std::string, std::size_t> position;
    for (std::size_t s = 0; s < layers.stimuli.size(); ++s)
        position[layers.stimuli[s]] = s;
    std::vector<std::vector<std::size_t>> trials_of(layers.stimuli.size());
    const auto& column = pop.column(m.column);
    for (std::size_t t = 0; t < pop.trials; ++t)
        if (auto it = position.find(column.label(t)); it != position.end())
            trials_of[it->second].push_back(t);
    std::vector<std::size_t> used;
    for (std::size_t s = 0; s < trials_of.size(); ++s)
        if (trials_of[s].size() >= need) used.push_back(s);
    if (used.size() < 4)
        throw std::runtime_error(name + ": " + std::to_string(used.size()) +
                                 " stimuli of the model file have >= " + std::to_string(need) +
                                 " trials in this session; the comparisons need 4");
    std::string why;
    const auto range = jobs::window_bins(spec.align, m.window, &why);
    if (!range) throw std::runtime_error(name + ": models.window: " + why);
    const MatrixXd sums = window_sums(pop, *range);
    const auto K = static_cast<Index>(used.size());
    const Index U = sums.cols();
    MatrixXd means = MatrixXd::Zero(K, U);
    std::vector<std::size_t> kept;
    std::vector<int> labels;
    for (Index k = 0; k < K; ++k) {
        const auto& ts = trials_of[used[static_cast<std::size_t>(k)]];
        for (auto t : ts) {
            means.row(k) += sums.row(static_cast<Index>(t));
            kept.push_back(t);
            labels.push_back(static_cast<int>(k));
        }
        means.row(k) /= static_cast<double>(ts.size());
    }
    MatrixXd trials(static_cast<Index>(kept.size()), U);
    for (std::size_t i = 0; i < kept.size(); ++i)
        trials.row(static_cast<Index>(i)) = sums.row(static_cast<Index>(kept[i]));
    std::vector<int> folds;
    if (m.rdm == jobs::RdmMeasure::Crossnobis) {
        kernels::CounterRng rng(seed, key, models_stream_folds);
        folds = kernels::stratified_folds(labels, static_cast<int>(m.folds), rng);
    }
    const MatrixXd brain = brain_rdm(m, means, trials, labels, folds);
    const MatrixXd brain_gram = kernels::centred_gram(means);
    // Geometry and capacity (docs/ANALYSES.md §8): the classes of the compared stimuli.
    const bool geometry = measured(m, jobs::ModelMeasure::Geometry);
    const bool capacity = measured(m, jobs::ModelMeasure::Capacity);
    models_geometry::Classes classes;
    if (geometry || capacity) {
        const auto& cc = pop.column(m.manifold_column);
        std::vector<std::string> class_of;
        for (Index k = 0; k < K; ++k) {
            const auto& s = layers.stimuli[used[static_cast<std::size_t>(k)]];
            const auto& ts = trials_of[used[static_cast<std::size_t>(k)]];
            for (auto t : ts)
                if (cc.label(t) != cc.label(ts.front()))
                    throw std::runtime_error(name + ": stimulus " + s + " has values " +
                                             cc.label(ts.front()) + " and " + cc.label(t) +
                                             " of models.manifold_column " + m.manifold_column +
                                             "; a class needs one");
            class_of.push_back(cc.label(ts.front()));
        }
        classes = models_geometry::classes_of(class_of, name);
    }

    io::ResultBlock block;
    add_population_groups(block, group, attrs);
    const std::string root = group + "/models";
    block.group(
        root,
        {{"description", std::string("brain <-> network comparisons (docs/ANALYSES.md section 8): "
                                     "the population's stimulus means against each layer")},
         {"file", m.file},
         {"column", m.column},
         {"window", m.window.name},
         {"window_start", m.window.start},
         {"window_stop", m.window.stop},
         {"rdm", std::string(m.rdm == jobs::RdmMeasure::Crossnobis ? "crossnobis" : "correlation")},
         {"layer_rdm",
          std::string(m.layer_rdm == jobs::RdmMeasure::Correlation ? "correlation" : "euclidean")},
         {"permutations", static_cast<std::int64_t>(m.permutations)},
         {"seed", static_cast<std::int64_t>(seed)},
         {"rng_key", std::to_string(key)}});
    const auto nm = m.compare.size();
    std::vector<std::string> methods;
    for (auto c : m.compare)
        methods.push_back(kernels::comparison_name(c));
    const bool rsa = measured(m, jobs::ModelMeasure::Rsa);

    if (population_part) {
        std::vector<std::string> stim;
        std::vector<std::int64_t> counts;
        for (auto s : used) {
            stim.push_back(layers.stimuli[s]);
            counts.push_back(static_cast<std::int64_t>(trials_of[s].size()));
        }
        const auto k = static_cast<std::uint64_t>(K);
        const io::ResultBlock::Axis sa{"stimulus", "stimuli"}, sb{"stimulus", "stimuli"};
        block.add_strings(root + "/stimuli", stim,
                          "labels of the stimuli compared (model file order): those with "
                          "enough trials in this session",
                          {sa});
        block.add_i64(root + "/n_trials", {k}, counts, "1", "trials of each stimulus", {sa});
        block.add_f64(root + "/brain_rdm", {k, k}, flat(brain), "1",
                      "the population's RDM over the stimuli (models.rdm)", {sa, sb});
        if (geometry || capacity)
            models_geometry::add(block, root, means,
                                 models_geometry::participation_ratio(brain_gram), classes, m,
                                 geometry, capacity, seed, key,
                                 "the population's condition means (spike counts summed over "
                                 "models.window) of the class's stimuli");
        if (rsa) {
            // Split-half noise ceiling: each stimulus's trials in two random halves, an RDM
            // per half with the same measure (crossnobis: 2 folds within each half).
            kernels::CounterRng rng(seed, key, models_stream_halves);
            std::vector<MatrixXd> halves(2);
            std::vector<std::vector<std::size_t>> part(2);
            std::vector<std::vector<int>> part_labels(2), part_folds(2);
            for (Index kk = 0; kk < K; ++kk) {
                auto ts = trials_of[used[static_cast<std::size_t>(kk)]];
                for (std::size_t i = ts.size(); i > 1; --i)
                    std::swap(ts[i - 1], ts[static_cast<std::size_t>(rng.below(i))]);
                const std::size_t h = ts.size() / 2;
                for (std::size_t i = 0; i < 2 * h; ++i) {
                    part[i / h].push_back(ts[i]);
                    part_labels[i / h].push_back(static_cast<int>(kk));
                    part_folds[i / h].push_back(static_cast<int>((i % h) % 2));
                }
            }
            std::vector<double> lower(nm, std::nan("")), upper(nm, std::nan(""));
            try {
                for (std::size_t p = 0; p < 2; ++p) {
                    MatrixXd pm = MatrixXd::Zero(K, U), pt(static_cast<Index>(part[p].size()), U);
                    std::vector<double> c(static_cast<std::size_t>(K), 0.0);
                    for (std::size_t i = 0; i < part[p].size(); ++i) {
                        const auto row = sums.row(static_cast<Index>(part[p][i]));
                        pt.row(static_cast<Index>(i)) = row;
                        pm.row(part_labels[p][i]) += row;
                        c[static_cast<std::size_t>(part_labels[p][i])] += 1;
                    }
                    for (Index kk = 0; kk < K; ++kk)
                        pm.row(kk) /= c[static_cast<std::size_t>(kk)];
                    halves[p] = brain_rdm(m, pm, pt, part_labels[p], part_folds[p]);
                }
                for (std::size_t j = 0; j < nm; ++j) {
                    const auto nc = kernels::rsa_noise_ceiling(halves, m.compare[j]);
                    lower[j] = nc.lower;
                    upper[j] = nc.upper;
                }
            } catch (const std::invalid_argument&) {
                // Too few trials per half for crossnobis's folds: no ceiling (NaN).
            }
            const io::ResultBlock::Axis ca{"comparison", "comparison"};
            block.add_strings(root + "/comparison", methods, "RDM comparisons", {ca});
            block.add_f64(root + "/noise_ceiling_lower", {nm}, lower, "1",
                          "split-half noise ceiling, lower bound: similarity of one half's "
                          "RDM to the other's (NaN: too few trials)",
                          {ca});
            block.add_f64(root + "/noise_ceiling_upper", {nm}, upper, "1",
                          "split-half noise ceiling, upper bound: similarity of each half's "
                          "RDM to the mean of both",
                          {ca});
        }
    }
    std::optional<kernels::RankedRdm> brain_ranks; // ranked on first use
    for (std::size_t l = 0; l < layers.names.size(); ++l) {
        const auto lg = root + "/layers/" + io::path_safe(layers.names[l]);
        block.group(root + "/layers", {{"description", std::string("one group per layer")}});
        block.group(lg, {{"layer", layers.names[l]},
                         {"layer_index", layers.index[l]},
                         {"features", layers.features[l]}});
        const MatrixXd g = sub(layers.grams[l], used);
        if (measured(m, jobs::ModelMeasure::Cka))
            block.add_scalar(lg + "/cka",
                             kernels::cka(brain_gram, g, kernels::CkaEstimator::Biased), "1",
                             "linear CKA (biased HSIC; Kornblith et al. 2019)");
        if (measured(m, jobs::ModelMeasure::DebiasedCka))
            block.add_scalar(lg + "/debiased_cka",
                             kernels::cka(brain_gram, g, kernels::CkaEstimator::Debiased), "1",
                             "linear CKA from the unbiased HSIC (Song et al. 2012)");
        if (geometry || capacity) {
            // The layer's points on the compared stimuli, from the sub-Gram re-centred over
            // them (isometric, so every rotation-invariant quantity is exact).
            const Eigen::VectorXd mu = g.rowwise().mean();
            const MatrixXd gc =
                (g.colwise() - mu).rowwise() - mu.transpose() + MatrixXd::Constant(K, K, mu.mean());
            models_geometry::add(block, lg, models_geometry::embedding(gc),
                                 models_geometry::participation_ratio(gc), classes, m, geometry,
                                 capacity, seed, key,
                                 "the layer's activations to the class's stimuli (an isometric "
                                 "embedding of its centred Gram matrix)");
        }
        if (!rsa) continue;
        const MatrixXd r = sub(layers.rdms[l], used);
        std::vector<double> score(nm), p(nm);
        for (std::size_t j = 0; j < nm; ++j) {
            kernels::CounterRng rng(seed, key, stream_permutation(layers.index[l], j));
            const bool by_ranks = m.compare[j] == kernels::RdmComparison::Spearman;
            // Spearman: the brain ranked once per item, the layer once here; the same bits as
            // ranking both for every permutation (kernels/rdm_compare.hpp).
            if (by_ranks && !brain_ranks) brain_ranks = kernels::rank_rdm(brain);
            const auto t =
                by_ranks
                    ? kernels::rdm_permutation_test(*brain_ranks, kernels::rank_rdm(r),
                                                    m.permutations, rng)
                    : kernels::rdm_permutation_test(brain, r, m.compare[j], m.permutations, rng);
            score[j] = t.observed;
            p[j] = m.permutations > 0 ? t.p_value : std::nan("");
        }
        const io::ResultBlock::Axis ca{"comparison", "comparison"};
        block.add_strings(lg + "/comparison", methods, "RDM comparisons", {ca});
        block.add_f64(lg + "/rsa", {nm}, score, "1",
                      "similarity of the brain RDM and the layer's RDM", {ca});
        block.add_f64(lg + "/rsa_p", {nm}, p, "1",
                      "stimulus-label permutation p: (1 + #{null >= observed}) / (1 + "
                      "permutations); NaN without permutations",
                      {ca});
    }
    return block;
}

Work prepare_models_summary(const ItemEnv& env, const jobs::WorkItem& item) {
    struct SessionScores {
        std::string key, subject;
        std::map<std::int64_t, std::string> layer_names;
        std::map<std::string, std::map<std::int64_t, double>> score; // measure -> layer -> value
        std::vector<std::string> stimuli;
        std::vector<double> brain_rdm;
        std::vector<double> ceiling_lower, ceiling_upper;
        std::map<std::string, double> brain; // geometry/capacity value of the population
    };
    const auto& m = env.spec.models;
    std::vector<std::string> methods;
    for (auto c : m.compare)
        methods.push_back(kernels::comparison_name(c));
    // Geometry and capacity values summarised per layer and for the populations.
    const std::vector<std::pair<std::string, std::string>> geometry_values{
        {"participation_ratio", "/participation_ratio"},
        {"capacity", "/capacity/capacity"},
        {"simulation_capacity", "/capacity/simulation_capacity"},
        {"manifold_radius", "/capacity/radius"},
        {"manifold_dimension", "/capacity/dimension"}};
    // The sessions in plan order (one entry per session; its blocks merged).
    std::vector<SessionScores> sessions;
    for (auto need : item.needs) {
        const auto& it = env.plan.items.at(need);
        if (it.kind != jobs::ItemKind::Models) continue;
        if (sessions.empty() || sessions.back().key != it.session_key) {
            sessions.push_back({});
            sessions.back().key = it.session_key;
            sessions.back().subject = env.plan.sessions.at(it.session).subject;
        }
        auto& s = sessions.back();
        const auto root = analysis_group(it.session_key, it.region) + "/models";
        const auto b = env.results(it, root);
        if (const auto* d = b.find(root + "/stimuli")) s.stimuli = d->text();
        if (const auto* d = b.find(root + "/brain_rdm")) s.brain_rdm = d->f64();
        if (const auto* d = b.find(root + "/noise_ceiling_lower")) s.ceiling_lower = d->f64();
        if (const auto* d = b.find(root + "/noise_ceiling_upper")) s.ceiling_upper = d->f64();
        for (const auto& g : b.groups) {
            if (io::parent_path(g.path) != root + "/layers") continue;
            std::int64_t index = 0;
            std::string lname;
            for (const auto& a : g.attributes) {
                if (a.name == "layer_index") index = std::get<std::int64_t>(a.value);
                if (a.name == "layer") lname = std::get<std::string>(a.value);
            }
            s.layer_names[index] = lname;
            if (const auto* d = b.find(g.path + "/cka")) s.score["cka"][index] = d->f64().at(0);
            if (const auto* d = b.find(g.path + "/debiased_cka"))
                s.score["debiased_cka"][index] = d->f64().at(0);
            if (const auto* d = b.find(g.path + "/rsa"))
                for (std::size_t j = 0; j < methods.size(); ++j)
                    s.score["rsa_" + methods[j]][index] = d->f64().at(j);
            for (const auto& [name, path] : geometry_values)
                if (const auto* d = b.find(g.path + path)) s.score[name][index] = d->f64().at(0);
        }
        for (const auto& [name, path] : geometry_values)
            if (const auto* d = b.find(root + path)) s.brain[name] = d->f64().at(0);
    }
    return [&m, sessions = std::move(sessions), methods, geometry_values, region = item.region,
            seed = env.spec.run.seed, key = item.rng_key()]() {
        if (sessions.empty()) throw std::runtime_error("models_summary: no session");
        const std::size_t S = sessions.size();
        std::vector<std::string> layer_names;
        for (const auto& [i, n] : sessions.front().layer_names)
            layer_names.push_back(n);
        const std::size_t L = layer_names.size();
        // The measure the best layer is chosen by: debiased CKA when computed (the default),
        // else plain CKA, else the first RSA comparison.
        std::vector<std::string> measures;
        if (measured(m, jobs::ModelMeasure::Cka)) measures.push_back("cka");
        if (measured(m, jobs::ModelMeasure::DebiasedCka)) measures.push_back("debiased_cka");
        if (measured(m, jobs::ModelMeasure::Rsa))
            for (const auto& c : methods)
                measures.push_back("rsa_" + c);
        // (None when only geometry and capacity are computed: no best layer.)
        const std::string primary = measured(m, jobs::ModelMeasure::DebiasedCka) ? "debiased_cka"
                                    : measures.empty()                           ? std::string()
                                                                                 : measures.front();

        io::ResultBlock block;
        block.group("/summary", {{"description", std::string("statistics across sessions")}});
        const std::string rg = "/summary/" + io::path_safe(region);
        block.group(rg, {{"description", std::string("statistics across the sessions of one "
                                                     "region")},
                         {"region", region}});
        const std::string g = rg + "/models";
        const auto j = [&](const std::string& n) { return io::join_path(g, n); };
        std::vector<std::string> keys, subjects;
        for (const auto& s : sessions) {
            keys.push_back(s.key);
            subjects.push_back(s.subject);
        }
        const io::ResultBlock::Axis sa{"session", "sessions"}, la{"layer", "layers"};
        block.add_strings(j("sessions"), keys, "session keys (/sessions/<key>), plan order", {sa});
        block.add_strings(j("subjects"), subjects, "the animal of each session", {sa});
        block.add_strings(j("layers"), layer_names, "layers in the job's order", {la});

        std::map<std::string, std::vector<std::vector<double>>> table; // measure -> [s][l]
        for (const auto& name : measures) {
            auto& t = table[name];
            std::vector<double> flat_values, profile(L, 0.0);
            for (const auto& s : sessions) {
                std::vector<double> row(L, std::nan(""));
                std::size_t l = 0;
                for (const auto& [i, n] : s.layer_names) {
                    if (l < L) {
                        const auto it = s.score.find(name);
                        if (it != s.score.end() && it->second.count(i)) row[l] = it->second.at(i);
                    }
                    ++l;
                }
                for (std::size_t k = 0; k < L; ++k)
                    profile[k] += row[k] / static_cast<double>(S);
                flat_values.insert(flat_values.end(), row.begin(), row.end());
                t.push_back(std::move(row));
            }
            block.add_f64(j(name), {S, L}, flat_values, "1", name + " of each session and layer",
                          {sa, la});
            block.add_f64(j("profile_" + name), {L}, profile, "1",
                          "layer profile: mean of " + name + " over sessions", {la});
        }

        if (primary.empty())
            block.group(g, {{"description",
                             std::string("geometry and capacity of the layers and populations "
                                         "across the sessions of a region")},
                            {"n_sessions", static_cast<std::int64_t>(S)}});
        if (!primary.empty()) {
            // Best layer by the primary measure's mean over sessions; bootstrap over sessions.
            const auto& prim = table.at(primary);
            const auto mean_profile = kernels::mean_over(prim);
            const auto best = static_cast<std::size_t>(
                std::max_element(mean_profile.begin(), mean_profile.end()) - mean_profile.begin());
            kernels::CounterRng rs(seed, key, models_stream_sessions);
            std::vector<double> wins(L, 0.0), best_means;
            for (std::size_t r = 0; r < m.bootstrap; ++r) {
                std::vector<std::vector<double>> draw;
                for (std::size_t i = 0; i < S; ++i)
                    draw.push_back(prim[static_cast<std::size_t>(rs.below(S))]);
                const auto p = kernels::mean_over(draw);
                wins[static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin())] +=
                    1.0 / static_cast<double>(m.bootstrap);
                best_means.push_back(p[best]);
            }
            block.group(g,
                        {{"description",
                          std::string("brain <-> network comparison across the sessions of a "
                                      "region: scores per session and layer, layer profiles, the "
                                      "best layer with bootstrap intervals")},
                         {"best_by", primary},
                         {"best_layer", layer_names.at(best)},
                         {"bootstrap", static_cast<std::int64_t>(m.bootstrap)},
                         {"n_sessions", static_cast<std::int64_t>(S)}});
            block.add_i64(j("best_layer_index"), {}, {static_cast<std::int64_t>(best)}, "1",
                          "index into layers of the layer with the highest mean " + primary);
            block.add_f64(j("best_score_ci_sessions"), {2},
                          {kernels::quantile_linear(best_means, 0.025),
                           kernels::quantile_linear(best_means, 0.975)},
                          "1",
                          "95 % percentile bootstrap interval of the best layer's mean " + primary +
                              ", resampling sessions",
                          {{"bound", ""}});
            block.add_f64(j("best_layer_frequency_sessions"), {L}, wins, "1",
                          "fraction of session bootstrap resamples in which each layer is best",
                          {la});

            // Over animals: each animal's mean profile; bootstrap resampling animals.
            std::map<std::string, std::vector<std::vector<double>>> by_animal;
            for (std::size_t i = 0; i < S; ++i)
                by_animal[sessions[i].subject].push_back(prim[i]);
            std::vector<std::vector<double>> per_animal, p_nan;
            std::vector<std::string> animals;
            for (const auto& [a, rows] : by_animal) {
                animals.push_back(a);
                per_animal.push_back(kernels::mean_over(rows));
                p_nan.push_back(std::vector<double>(L, std::nan("")));
            }
            kernels::CounterRng ra(seed, key, models_stream_animals);
            const auto ca = kernels::cross_animal_summary(per_animal, p_nan, m.bootstrap, ra);
            block.add_strings(j("animals"), animals, "the animals, sorted",
                              {{"animal", "animals"}});
            block.add_f64(j("profile_animals"), {L}, ca.mean, "1",
                          "mean over animals of each animal's mean " + primary, {la});
            block.add_f64(j("profile_animals_ci_low"), {L}, ca.ci_low, "1",
                          "2.5th percentile of the animal bootstrap means", {la});
            block.add_f64(j("profile_animals_ci_high"), {L}, ca.ci_high, "1",
                          "97.5th percentile of the animal bootstrap means", {la});
        }

        // Geometry and capacity: every session's value per layer, the layer profile (mean over
        // sessions) and the populations' own values beside it.
        for (const auto& [name, path] : geometry_values) {
            (void)path;
            const bool any = std::any_of(sessions.begin(), sessions.end(),
                                         [&n = name](const auto& s) { return s.brain.count(n); });
            if (!any) continue;
            std::vector<double> values, profile(L, 0.0), brain(S, std::nan(""));
            for (std::size_t i = 0; i < S; ++i) {
                const auto& s = sessions[i];
                std::vector<double> row(L, std::nan(""));
                std::size_t l = 0;
                for (const auto& [index, lname] : s.layer_names) {
                    (void)lname;
                    const auto it = s.score.find(name);
                    if (l < L && it != s.score.end() && it->second.count(index))
                        row[l] = it->second.at(index);
                    ++l;
                }
                for (std::size_t k = 0; k < L; ++k)
                    profile[k] += row[k] / static_cast<double>(S);
                values.insert(values.end(), row.begin(), row.end());
                if (const auto it = s.brain.find(name); it != s.brain.end()) brain[i] = it->second;
            }
            double brain_mean = 0.0;
            for (double v : brain)
                brain_mean += v / static_cast<double>(S);
            block.add_f64(j(name), {S, L}, values, "1", name + " of each session's layer",
                          {sa, la});
            block.add_f64(j("profile_" + name), {L}, profile, "1",
                          "layer profile: mean of " + name + " over sessions", {la});
            block.add_f64(j("population_" + name), {S}, brain, "1",
                          name + " of each session's population (the same kernels on its "
                                 "condition means)",
                          {sa});
            block.add_scalar(j("population_mean_" + name), brain_mean, "1",
                             "mean over sessions of population_" + name);
        }

        // Noise ceilings: the mean of the sessions' split-half ceilings, and leave-one-session-
        // out over the sessions that share the first session's stimuli (at least two).
        if (measured(m, jobs::ModelMeasure::Rsa)) {
            const std::size_t nm = methods.size();
            const io::ResultBlock::Axis cm{"comparison", "comparison"};
            block.add_strings(j("comparison"), methods, "RDM comparisons", {cm});
            std::vector<double> lo(nm, 0.0), hi(nm, 0.0);
            for (const auto& s : sessions)
                for (std::size_t c = 0; c < nm; ++c) {
                    lo[c] += s.ceiling_lower.at(c) / static_cast<double>(S);
                    hi[c] += s.ceiling_upper.at(c) / static_cast<double>(S);
                }
            block.add_f64(j("split_half_ceiling_lower"), {nm}, lo, "1",
                          "mean over sessions of the split-half lower bound", {cm});
            block.add_f64(j("split_half_ceiling_upper"), {nm}, hi, "1",
                          "mean over sessions of the split-half upper bound", {cm});
            std::vector<MatrixXd> rdms;
            const auto k = static_cast<Index>(sessions.front().stimuli.size());
            for (const auto& s : sessions)
                if (s.stimuli == sessions.front().stimuli)
                    rdms.push_back(from_row_major(s.brain_rdm, k));
            std::vector<double> llo(nm, std::nan("")), lhi(nm, std::nan(""));
            if (rdms.size() >= 2)
                for (std::size_t c = 0; c < nm; ++c) {
                    const auto nc = kernels::rsa_noise_ceiling(rdms, m.compare[c]);
                    llo[c] = nc.lower;
                    lhi[c] = nc.upper;
                }
            block.add_f64(j("loso_ceiling_lower"), {nm}, llo, "1",
                          "leave-one-session-out noise ceiling, lower bound (Nili et al. 2014), "
                          "over the sessions sharing the first session's stimuli; NaN with "
                          "fewer than 2",
                          {cm});
            block.add_f64(j("loso_ceiling_upper"), {nm}, lhi, "1",
                          "leave-one-session-out noise ceiling, upper bound", {cm});
            block.add_i64(j("loso_ceiling_sessions"), {}, {static_cast<std::int64_t>(rdms.size())},
                          "1", "sessions in the leave-one-session-out ceiling");
        }
        return block;
    };
}

} // namespace neuropop::engine::detail
