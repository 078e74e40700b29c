#include "engine/items/models_geometry.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include <Eigen/Eigenvalues>

#include "kernels/manifold.hpp"
#include "kernels/manifold_capacity.hpp"
#include "kernels/rng.hpp"

namespace neuropop::engine::models_geometry {

using Eigen::Index;
using Eigen::MatrixXd;

Classes classes_of(const std::vector<std::string>& class_of_stimulus, const std::string& item) {
    std::map<std::string, std::vector<Index>> by;
    for (std::size_t s = 0; s < class_of_stimulus.size(); ++s)
        by[class_of_stimulus[s]].push_back(static_cast<Index>(s));
    Classes out;
    for (auto& [name, rows] : by) {
        if (rows.size() < 2) {
            out.single.push_back(name);
            continue;
        }
        out.names.push_back(name);
        out.rows.push_back(std::move(rows));
    }
    if (out.names.size() < 2)
        throw std::runtime_error(item + ": " + std::to_string(out.names.size()) +
                                 " class(es) of models.manifold_column have >= 2 of the compared "
                                 "stimuli; geometry and capacity need 2");
    return out;
}

double participation_ratio(const MatrixXd& centred_gram) {
    const double trace = centred_gram.trace();
    return trace * trace / centred_gram.squaredNorm();
}

MatrixXd embedding(const MatrixXd& centred_gram) {
    const Eigen::SelfAdjointEigenSolver<MatrixXd> eig(centred_gram);
    const Eigen::VectorXd& lambda = eig.eigenvalues(); // ascending
    const Index n = lambda.size();
    const double top = n > 0 ? lambda(n - 1) : 0.0;
    std::vector<Index> keep;
    for (Index i = n - 1; i >= 0; --i)
        if (lambda(i) > 1e-12 * top && lambda(i) > 0.0) keep.push_back(i);
    MatrixXd y(n, static_cast<Index>(keep.size()));
    for (std::size_t c = 0; c < keep.size(); ++c) {
        Eigen::VectorXd v = eig.eigenvectors().col(keep[c]);
        Index at = 0;
        v.cwiseAbs().maxCoeff(&at);
        if (v(at) < 0) v = -v;
        y.col(static_cast<Index>(c)) = v * std::sqrt(lambda(keep[c]));
    }
    return y;
}

namespace {

std::vector<double> flat(const Eigen::VectorXd& v) {
    return {v.data(), v.data() + v.size()};
}

} // namespace

void add(io::ResultBlock& block, const std::string& group, const MatrixXd& points,
         double participation, const Classes& classes, const jobs::ModelsSection& spec,
         bool geometry, bool capacity, std::uint64_t seed, std::uint64_t key,
         const std::string& what) {
    block.add_scalar(io::join_path(group, "participation_ratio"), participation, "1",
                     "participation ratio (sum lambda)^2 / sum lambda^2 of the covariance of " +
                         what + " over every compared stimulus");
    if (!geometry && !capacity) return;
    std::vector<MatrixXd> manifolds;
    std::vector<std::int64_t> sizes;
    for (const auto& rows : classes.rows) {
        MatrixXd m(static_cast<Index>(rows.size()), points.cols());
        for (std::size_t i = 0; i < rows.size(); ++i)
            m.row(static_cast<Index>(i)) = points.row(rows[i]);
        sizes.push_back(static_cast<std::int64_t>(rows.size()));
        manifolds.push_back(std::move(m));
    }
    const auto C = static_cast<std::uint64_t>(classes.names.size());
    const io::ResultBlock::Axis cls{"class", "classes"};
    std::vector<std::string> single = classes.single;
    if (single.empty()) single.push_back("none");

    if (geometry) {
        const std::string g = io::join_path(group, "geometry");
        // Only the m values every class can train with (m < its stimuli).
        const auto smallest = *std::min_element(sizes.begin(), sizes.end());
        kernels::ManifoldOptions options;
        options.shots.clear(); // the kernel's default m values are not the job's
        std::vector<std::string> dropped;
        for (int m : spec.shots)
            if (m < smallest)
                options.shots.push_back(m);
            else
                dropped.push_back(std::to_string(m));
        if (dropped.empty()) dropped.push_back("none");
        options.episodes = static_cast<int>(spec.episodes);
        kernels::CounterRng rng(seed, key, stream_episodes);
        const auto geo = kernels::manifold_geometry(manifolds, options, rng);
        const std::size_t S = options.shots.size();
        block.group(g, {{"description",
                         std::string("few-shot manifold geometry (Sorscher, Ganguli & Sompolinsky "
                                     "2022) of the classes of models.manifold_column, each class "
                                     "the point cloud of its stimuli: ") +
                             what + "; pair arrays are [a, b], a = row (the tested class)"},
                        {"manifold_column", spec.manifold_column},
                        {"episodes", static_cast<std::int64_t>(spec.episodes)},
                        {"shots_left_out", dropped},
                        {"classes_left_out", single},
                        {"rng_stream", static_cast<std::int64_t>(stream_episodes)}});
        const auto j = [&](const char* n) { return io::join_path(g, n); };
        const io::ResultBlock::Axis shot{"shot", "shots"};
        block.add_strings(j("classes"), classes.names, "class labels, sorted", {cls});
        block.add_i64(j("n_stimuli"), {C}, sizes, "1", "stimuli (points) of each class", {cls});
        std::vector<std::int64_t> shots(options.shots.begin(), options.shots.end());
        block.add_i64(j("shots"), {S}, std::move(shots), "1",
                      "training stimuli per class m of the prototype classifier", {shot});
        block.add_f64(j("radius2"), {C}, flat(geo.radius2), "1",
                      "R^2: total variance of the class's points (sum of covariance "
                      "eigenvalues, ddof 1), in squared units of the points",
                      {cls});
        block.add_f64(j("dimension"), {C}, flat(geo.dimension), "1",
                      "participation ratio of the class's covariance (plug-in)", {cls});
        block.add_f64(j("signal"), {C, C}, flat(geo.signal), "1", "||x0_a - x0_b||^2 / R_a^2",
                      {cls, cls});
        block.add_f64(j("bias"), {C, C}, flat(geo.bias), "1", "R_b^2 / R_a^2 - 1", {cls, cls});
        block.add_f64(j("predicted_error"), {C, C, S}, flat(geo.predicted_error), "1",
                      "predicted m-shot prototype error on a against b (docs/ANALYSES.md "
                      "section 4)",
                      {cls, cls, shot});
        block.add_f64(j("empirical_error"), {C, C, S}, flat(geo.empirical_error), "1",
                      "m-shot prototype error on a against b over the episodes (NaN when "
                      "episodes = 0)",
                      {cls, cls, shot});
        // Means over the ordered pairs a != b: the numbers a layer profile draws.
        std::vector<double> mp(S, 0.0), me(S, 0.0);
        const auto K = static_cast<int>(C);
        for (std::size_t s = 0; s < S; ++s) {
            for (int a = 0; a < K; ++a)
                for (int b = 0; b < K; ++b)
                    if (a != b) {
                        mp[s] += geo.at(geo.predicted_error, a, b, static_cast<int>(s));
                        me[s] += geo.at(geo.empirical_error, a, b, static_cast<int>(s));
                    }
            mp[s] /= static_cast<double>(K * (K - 1));
            me[s] /= static_cast<double>(K * (K - 1));
        }
        block.add_f64(j("mean_predicted_error"), {S}, mp, "1",
                      "predicted_error averaged over the ordered class pairs", {shot});
        block.add_f64(j("mean_empirical_error"), {S}, me, "1",
                      "empirical_error averaged over the ordered class pairs", {shot});
    }

    if (capacity) {
        const std::string g = io::join_path(group, "capacity");
        kernels::ManifoldCapacityOptions options;
        options.samples = static_cast<int>(spec.capacity_samples);
        options.remove_centre_correlations = spec.centre_decorrelation;
        kernels::CounterRng rng(seed, key, stream_capacity);
        const auto cap = kernels::manifold_capacity(manifolds, options, rng);
        double simulated = std::nan("");
        std::int64_t critical = 0;
        std::vector<std::int64_t> tested;
        std::vector<double> fraction;
        if (spec.dichotomies > 0) {
            kernels::SimulationCapacityOptions so;
            so.dichotomies = static_cast<int>(spec.dichotomies);
            kernels::CounterRng srng(seed, key, stream_simulation);
            const auto sim = kernels::simulation_capacity(manifolds, so, srng);
            simulated = sim.capacity;
            critical = sim.critical_dimension;
            tested.assign(sim.dimensions.begin(), sim.dimensions.end());
            fraction = sim.separable_fraction;
        }
        block.group(
            g, {{"description",
                 std::string("manifold capacity (Chung, Lee & Sompolinsky 2018; the mftma "
                             "algorithm, kernels/manifold_capacity.hpp) of the classes of "
                             "models.manifold_column, each class the point cloud of its "
                             "stimuli: ") +
                     what},
                {"manifold_column", spec.manifold_column},
                {"samples", static_cast<std::int64_t>(spec.capacity_samples)},
                {"centre_decorrelation", std::string(spec.centre_decorrelation ? "yes" : "no")},
                {"dichotomies", static_cast<std::int64_t>(spec.dichotomies)},
                {"ambient_dimension", static_cast<std::int64_t>(points.cols())},
                {"classes_left_out", single},
                {"rng_streams", std::to_string(stream_capacity) + " (mean field), " +
                                    std::to_string(stream_simulation) + " (simulation)"}});
        const auto j = [&](const char* n) { return io::join_path(g, n); };
        block.add_strings(j("classes"), classes.names, "class labels, sorted", {cls});
        block.add_scalar(j("capacity"), cap.capacity, "1",
                         "mean-field capacity alpha_M = 1 / mean over classes of 1/alpha_mu");
        block.add_scalar(j("radius"), cap.radius, "1",
                         "manifold radius R_M = sqrt<|s_D|^2> over the anchor points (Chung et "
                         "al. 2018), mean over classes");
        block.add_scalar(j("dimension"), cap.dimension, "1",
                         "manifold dimension D_M = <(t_D . s_hat_D)^2> (Chung et al. 2018), mean "
                         "over classes");
        block.add_scalar(j("radius_mftma"), cap.radius_mftma, "1",
                         "mftma's mean-subtracted anchor radius, mean over classes");
        block.add_scalar(j("dimension_mftma"), cap.dimension_mftma, "1",
                         "mftma's D <t_hat . s_hat>^2, mean over classes");
        block.add_f64(j("capacity_each"), {C}, flat(cap.capacity_each), "1",
                      "alpha_mu of each class", {cls});
        block.add_f64(j("radius_each"), {C}, flat(cap.radius_each), "1", "R_M of each class",
                      {cls});
        block.add_f64(j("dimension_each"), {C}, flat(cap.dimension_each), "1", "D_M of each class",
                      {cls});
        block.add_i64(j("removed_rank"), {}, {static_cast<std::int64_t>(cap.removed_rank)}, "1",
                      "dimensions of correlated centres projected out (0: the step is off)");
        block.add_scalar(j("centre_correlation_before"), cap.centre_correlation_before, "1",
                         "mean |correlation| between class centres before the removal (NaN: "
                         "off)");
        block.add_scalar(j("centre_correlation_after"), cap.centre_correlation_after, "1",
                         "mean |correlation| between class centres after the removal");
        block.add_scalar(j("simulation_capacity"), simulated, "1",
                         "P / N_c: N_c the smallest random-projection dimension at which half of "
                         "the random class dichotomies are linearly separable (NaN: dichotomies "
                         "= 0, or not separable even in the ambient dimension)");
        block.add_i64(j("critical_dimension"), {}, {critical}, "1",
                      "N_c of the simulation (0 when not simulated)");
        // "step": the pooled assembly stacks these records padded, without a mean.
        const io::ResultBlock::Axis step{"step", ""};
        block.add_i64(j("simulation_dimensions"), {tested.size()}, tested, "1",
                      "projection dimensions the bisection evaluated, in order", {step});
        block.add_f64(j("simulation_separable_fraction"), {fraction.size()}, fraction, "1",
                      "fraction of the dichotomies separable at each evaluated dimension", {step});
    }
}

} // namespace neuropop::engine::models_geometry
