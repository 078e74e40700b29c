// One window of representational geometry: RDMs on condition means and crossnobis, their
// comparison with model RDMs (with a condition-label permutation test), and few-shot manifold
// geometry (docs/ANALYSES.md §4).

#include <cmath>
#include <limits>
#include <stdexcept>

#include "engine/items/geometry_window.hpp"
#include "engine/items/prepare.hpp"
#include "kernels/crossnobis.hpp"
#include "kernels/manifold.hpp"
#include "kernels/rdm.hpp"
#include "kernels/rdm_compare.hpp"

namespace neuropop::engine::geometry {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

const char* rdm_name(jobs::RdmMeasure m) {
    switch (m) {
    case jobs::RdmMeasure::Euclidean:
        return "euclidean";
    case jobs::RdmMeasure::Correlation:
        return "correlation";
    case jobs::RdmMeasure::Crossnobis:
        return "crossnobis";
    }
    return "?";
}

Eigen::MatrixXd means_of(const Eigen::MatrixXd& samples, const SetInput& in) {
    const auto k = static_cast<Eigen::Index>(in.conditions.size());
    Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(k, samples.cols());
    for (std::size_t t = 0; t < in.labels.size(); ++t)
        sums.row(in.labels[t]) += samples.row(static_cast<Eigen::Index>(t));
    for (Eigen::Index c = 0; c < k; ++c)
        sums.row(c) /= static_cast<double>(in.n_trials[static_cast<std::size_t>(c)]);
    return sums;
}

std::vector<Eigen::MatrixXd> manifolds_of(const Eigen::MatrixXd& samples, const SetInput& in) {
    std::vector<Eigen::MatrixXd> out;
    std::vector<Eigen::Index> filled(in.conditions.size(), 0);
    for (auto n : in.n_trials)
        out.emplace_back(static_cast<Eigen::Index>(n), samples.cols());
    for (std::size_t t = 0; t < in.labels.size(); ++t) {
        const auto c = static_cast<std::size_t>(in.labels[t]);
        out[c].row(filled[c]++) = samples.row(static_cast<Eigen::Index>(t));
    }
    return out;
}

std::vector<double> flat(const Eigen::MatrixXd& m) {
    return engine::detail::row_major(m);
}
std::vector<double> flat(const Eigen::VectorXd& v) {
    return engine::detail::to_vector(v);
}

} // namespace

void add_window(io::ResultBlock& block, const std::string& g, const SetInput& in,
                const jobs::Window& w, std::size_t w_index, const Eigen::MatrixXd& samples) {
    const auto& spec = in.spec;
    const std::size_t K = in.conditions.size();
    const auto U = static_cast<std::size_t>(samples.cols());
    const auto T = static_cast<std::size_t>(samples.rows());
    if (K < 2) throw std::runtime_error("geometry: window '" + w.name + "' has one condition");

    // RDMs.
    const Eigen::MatrixXd means = means_of(samples, in);
    std::vector<std::string> rdm_names;
    std::vector<Eigen::MatrixXd> rdms;
    double shrinkage = nan;
    std::string crossnobis_error;
    for (auto m : spec.rdms) {
        rdm_names.push_back(rdm_name(m));
        if (m == jobs::RdmMeasure::Euclidean) {
            rdms.push_back(kernels::euclidean_rdm(means));
        } else if (m == jobs::RdmMeasure::Correlation) {
            rdms.push_back(kernels::correlation_rdm(means));
        } else {
            try {
                auto r = kernels::crossnobis_rdm(samples, in.labels, in.folds);
                shrinkage = r.shrinkage;
                rdms.push_back(std::move(r.rdm));
            } catch (const std::invalid_argument& e) {
                // e.g. every unit silent in the window: recorded, not fatal for the others.
                crossnobis_error = e.what();
                rdms.push_back(Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(K),
                                                         static_cast<Eigen::Index>(K), nan));
            }
        }
    }

    // Comparisons with each model, each with a condition-label permutation test. Every
    // comparison of the window draws the same permutations (its stream restarts), so their p
    // values are comparable.
    const auto& models = in.models;
    const std::size_t R = rdms.size(), M = models.names.size(), Q = spec.compare.size();
    std::vector<double> compared(R * M * Q, nan), p(R * M * Q, nan);
    for (std::size_t r = 0; r < R; ++r)
        for (std::size_t m = 0; m < M; ++m) {
            const Eigen::Map<
                const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
                model(models.rdms[m].data(), static_cast<Eigen::Index>(K),
                      static_cast<Eigen::Index>(K));
            for (std::size_t q = 0; q < Q; ++q) {
                const auto how = spec.compare[q];
                const std::size_t at = (r * M + m) * Q + q;
                if (spec.permutations == 0) {
                    compared[at] = kernels::compare_rdms(rdms[r], model, how);
                    continue;
                }
                kernels::CounterRng rng(in.seed, in.rng_key, stream_permutations(w_index));
                const auto test =
                    kernels::rdm_permutation_test(rdms[r], model, how, spec.permutations, rng);
                compared[at] = test.observed;
                // An undefined observation (NaN) has no p value, not the smallest one.
                p[at] = std::isnan(test.observed) ? nan : test.p_value;
            }
        }

    // Manifold geometry of each condition's trials.
    kernels::ManifoldOptions options;
    options.shots = spec.shots;
    options.episodes = static_cast<int>(spec.episodes);
    const auto manifolds = manifolds_of(samples, in);
    kernels::CounterRng episode_rng(in.seed, in.rng_key, stream_episodes(w_index));
    const auto geo = kernels::manifold_geometry(manifolds, options, episode_rng);
    options.episodes = 0;
    options.split_half_dimension = true;
    kernels::CounterRng unused(in.seed, in.rng_key, stream_episodes(w_index));
    const auto geo_split = kernels::manifold_geometry(manifolds, options, unused);

    // Results.
    std::vector<std::string> excluded = models.excluded;
    if (excluded.empty()) excluded.push_back("none");
    io::Attributes attrs{
        {"description", std::string("representational geometry of the condition set in window '" +
                                    w.name + "' (trial counts summed over the window)")},
        {"columns", in.columns},
        {"window", w.name},
        {"window_start", w.start},
        {"window_stop", w.stop},
        {"n_units", static_cast<std::int64_t>(U)},
        {"n_trials", static_cast<std::int64_t>(T)},
        {"folds", static_cast<std::int64_t>(spec.folds)},
        {"shrinkage", shrinkage},
        {"permutations", static_cast<std::int64_t>(spec.permutations)},
        {"episodes", static_cast<std::int64_t>(spec.episodes)},
        {"models_excluded", excluded},
        {"rng",
         std::string("CounterRng(seed, item key " + std::to_string(in.rng_key) +
                     "): crossnobis folds stream " + std::to_string(stream_folds) +
                     ", permutations stream " + std::to_string(stream_permutations(w_index)) +
                     ", episodes stream " + std::to_string(stream_episodes(w_index)))}};
    if (!crossnobis_error.empty()) attrs.push_back({"crossnobis_error", crossnobis_error});
    block.group(g, std::move(attrs));
    const auto j = [&](const char* name) { return io::join_path(g, name); };
    const io::ResultBlock::Axis cond{"condition", "condition_labels"}, rdm{"rdm", "rdm_names"},
        model{"model", "model_names"}, method{"method", "method_names"};
    block.add_strings(j("condition_labels"), in.conditions,
                      "condition labels: the set's trials-column values joined by '|', sorted",
                      {cond});
    block.add_i64(j("n_trials"), {K}, in.n_trials, "1", "trials of each condition", {cond});
    block.add_strings(j("rdm_names"), rdm_names, "RDM measures (geometry.rdms)", {rdm});
    block.add_strings(j("model_names"), models.names,
                      "model RDMs: trials columns (geometry.models) and models of "
                      "geometry.model_file",
                      {model});
    std::vector<std::string> method_names;
    for (auto m : spec.compare)
        method_names.push_back(kernels::comparison_name(m));
    block.add_strings(j("method_names"), method_names, "RDM comparison methods (geometry.compare)",
                      {method});
    for (std::size_t r = 0; r < R; ++r) {
        const auto m = spec.rdms[r];
        const std::string path = j(("rdm_" + rdm_names[r]).c_str());
        if (m == jobs::RdmMeasure::Euclidean)
            block.add_f64(path, {K, K}, flat(rdms[r]), "spikes^2/unit",
                          "squared Euclidean distance between condition means divided by the "
                          "number of units",
                          {cond, cond});
        else if (m == jobs::RdmMeasure::Correlation)
            block.add_f64(path, {K, K}, flat(rdms[r]), "1",
                          "1 - Pearson r across units of the condition means (NaN for a "
                          "constant pattern)",
                          {cond, cond});
        else
            block.add_f64(path, {K, K}, flat(rdms[r]), "1/unit",
                          "crossnobis distance (Walther et al. 2016): mean over folds of "
                          "(a_i - a_j)' L (b_i - b_j), a = condition means outside the fold, b = "
                          "inside, L = Ledoit-Wolf shrunk noise precision of the residuals; "
                          "divided by the number of units; unbiased, so it can be negative",
                          {cond, cond});
    }
    std::vector<double> model_values;
    for (const auto& m : models.rdms)
        model_values.insert(model_values.end(), m.begin(), m.end());
    block.add_f64(j("models"), {M, K, K}, std::move(model_values), "1",
                  "model RDMs over the conditions (columns: 0 same value, 1 different)",
                  {model, cond, cond});
    block.add_f64(j("comparison"), {R, M, Q}, std::move(compared), "1",
                  "similarity of the upper triangles of data and model RDM (spearman: Pearson r "
                  "of average ranks; kendall_tau_a: (n_c - n_d) / (n (n - 1) / 2); cosine: "
                  "uncentred)",
                  {rdm, model, method});
    block.add_f64(j("comparison_p"), {R, M, Q}, std::move(p), "1",
                  "condition-label permutation p value (1 + #{null >= observed}) / (1 + "
                  "permutations); NaN when permutations = 0 or the comparison is undefined",
                  {rdm, model, method});

    const std::string mg = j("manifold");
    block.group(mg, {{"description",
                      std::string("few-shot manifold geometry of each condition's trials "
                                  "(Sorscher, Ganguli & Sompolinsky 2022): pair arrays are "
                                  "[a, b], a = row (the tested condition), b = column; a == b "
                                  "NaN")},
                     {"episodes", static_cast<std::int64_t>(spec.episodes)}});
    const auto k = [&](const char* name) { return io::join_path(mg, name); };
    const std::size_t S = spec.shots.size();
    const io::ResultBlock::Axis shot{"shot", "shots"};
    block.add_strings(k("condition_labels"), in.conditions, "condition labels, sorted", {cond});
    std::vector<std::int64_t> shots(spec.shots.begin(), spec.shots.end());
    block.add_i64(k("shots"), {S}, std::move(shots), "1",
                  "training samples per class m of the prototype classifier", {shot});
    block.add_f64(k("radius2"), {K}, flat(geo.radius2), "spikes^2",
                  "R^2: total variance (sum of sample-covariance eigenvalues, ddof 1)", {cond});
    block.add_f64(k("dimension"), {K}, flat(geo.dimension), "1",
                  "participation ratio (sum lambda)^2 / sum lambda^2 (plug-in)", {cond});
    block.add_f64(k("dimension_split"), {K}, flat(geo.dimension_split), "1",
                  "(sum lambda)^2 / tr(C_A C_B), C_A, C_B covariances of the even- and "
                  "odd-numbered trials (split-half, less biased by sampling noise); NaN when "
                  "undefined",
                  {cond});
    const auto pair = [&](const char* name, const Eigen::VectorXd& v, const char* what) {
        block.add_f64(k(name), {K, K}, flat(v), "1", what, {cond, cond});
    };
    pair("signal", geo.signal, "||x0_a - x0_b||^2 / R_a^2");
    pair("bias", geo.bias, "R_b^2 / R_a^2 - 1");
    pair("csa", geo.csa, "sum_i lambda_a,i (u_a,i . dx0_hat)^2 / sum lambda_a");
    pair("csb", geo.csb, "sum_i lambda_b,i (u_b,i . dx0_hat)^2 / sum lambda_a");
    pair("ss", geo.ss, "sum_ij lambda_a,i lambda_b,j (u_a,i . u_b,j)^2 / (sum lambda_a)^2");
    const auto per_shot = [&](const char* name, const Eigen::VectorXd& v, const char* what) {
        block.add_f64(k(name), {K, K, S}, flat(v), "1", what, {cond, cond, shot});
    };
    per_shot("predicted_error", geo.predicted_error,
             "predicted m-shot prototype error on a against b, H(SNR) with the full finite-m "
             "SNR (docs/ANALYSES.md section 4), plug-in dimensions");
    per_shot("predicted_error_split_half", geo_split.predicted_error,
             "as predicted_error with the split-half dimensions (dimension_split)");
    per_shot("empirical_error", geo.empirical_error,
             "m-shot prototype error on a against b over the episodes: m shuffled trials of "
             "each train, the other trials of a are tested (NaN when episodes = 0)");
}

} // namespace neuropop::engine::geometry
