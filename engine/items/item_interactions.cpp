// Stage 2: the communication subspace between two regions of one session (docs/ANALYSES.md §7):
// reduced-rank regression of the target's single-trial window counts on the source's, its
// cross-validated rank curve and optimal dimension (one-SEM rule), the full-rank ridge reference,
// the predictive dimensions and their alignment with the source's top PCs, the within-area
// control and the permutation null of the peak performance (kernels/reduced_rank.hpp).

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "engine/items/interactions_folds.hpp"
#include "engine/items/prepare.hpp"
#include "io/result_store.hpp"
#include "kernels/reduced_rank.hpp"

namespace neuropop::engine::detail {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::vector<std::int64_t> ids_of(const std::vector<std::int64_t>& ids, const std::vector<int>& at) {
    std::vector<std::int64_t> out;
    for (int i : at)
        out.push_back(ids.at(static_cast<std::size_t>(i)));
    return out;
}

std::vector<std::int64_t> range0(std::size_t n) {
    std::vector<std::int64_t> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::int64_t>(i);
    return v;
}

// A rank curve's datasets under group g: rank, fold, performance [fold, rank], mean, sem,
// optimal dimension and peak.
void add_curve(io::ResultBlock& block, const std::string& g, const kernels::CvCurve& curve,
               const std::string& what) {
    const auto folds = static_cast<std::size_t>(curve.fold_performance.rows());
    const auto ranks = static_cast<std::size_t>(curve.fold_performance.cols());
    const io::ResultBlock::Axis fold{"fold", "fold"}, rank{"rank", "rank"};
    const auto j = [&](const char* leaf) { return io::join_path(g, leaf); };
    block.add_i64(j("rank"), {ranks}, range0(ranks), "1",
                  "rank m of the reduced-rank map (0: the training mean)", {rank});
    block.add_i64(j("fold"), {folds}, one_based(folds), "1", "cross-validation fold (1-based)",
                  {fold});
    block.add_f64(j("performance"), {folds, ranks}, row_major(curve.fold_performance), "1",
                  "cross-validated performance 1 - RSS/TSS of " + what +
                      " on each held-out fold (TSS about the fold's mean)",
                  {fold, rank});
    block.add_f64(j("mean_performance"), {ranks}, to_vector(curve.mean_performance), "1",
                  "mean performance over folds", {rank});
    block.add_f64(j("sem"), {ranks}, to_vector(curve.sem), "1",
                  "standard error of the mean performance: sd over folds (ddof 1) / sqrt(folds)",
                  {rank});
    block.add_i64(j("optimal_dimension"), {}, {static_cast<std::int64_t>(curve.selected)}, "1",
                  "smallest rank whose mean loss is within one SEM of the minimum (the SEM at "
                  "the minimum)");
    block.add_scalar(j("peak_performance"), curve.peak_performance, "1",
                     "largest mean performance over ranks");
}

// The bin items an interactions or interactions_folds item reads (source, target) and the
// fold items of a split pair, in need order.
struct PairNeeds {
    std::vector<std::uint64_t> bins;
    std::vector<const jobs::WorkItem*> folds;
};

PairNeeds pair_needs(const ItemEnv& env, const jobs::WorkItem& item) {
    PairNeeds out;
    for (auto need : item.needs) {
        const auto& n = env.plan.items.at(need);
        if (n.kind == jobs::ItemKind::Bin)
            out.bins.push_back(need);
        else if (n.kind == jobs::ItemKind::InteractionsFolds)
            out.folds.push_back(&n);
        else
            throw std::logic_error(item.name() + ": needs " + n.name() +
                                   ", neither a bin nor a fold item");
    }
    if (out.bins.size() != 2)
        throw std::logic_error(item.name() + ": needs the source's and the target's bin items");
    return out;
}

} // namespace

Work prepare_interactions_folds(const ItemEnv& env, const jobs::WorkItem& item) {
    const auto needs = pair_needs(env, item);
    if (!needs.folds.empty() || item.first >= item.last)
        throw std::logic_error(item.name() + ": a fold block needs only the two bin items and "
                                             "a non-empty fold range");
    const auto population = [&](std::uint64_t id) {
        return *env.population(env.plan.items.at(id));
    };
    return [&spec = env.spec, item, source = population(needs.bins[0]),
            target = population(needs.bins[1])]() {
        const auto key = item.rng_key();
        const auto in = pair_input(spec, key, item.name(), source, target);
        return fold_rows_block(item, fold_rows(spec, key, in, static_cast<int>(item.first),
                                               static_cast<int>(item.last)));
    };
}

Work prepare_interactions(const ItemEnv& env, const jobs::WorkItem& item) {
    const auto needs = pair_needs(env, item);
    // Both regions' counts through the rank's cache (docs/DESIGN.md "Data locality"): the same
    // populations the session's other analyses read. The item keeps its own copies.
    const auto population = [&](std::uint64_t id) {
        return *env.population(env.plan.items.at(id));
    };
    // A split pair's fold rows, read from its interactions_folds items' files (as a decode
    // item reads its null blocks).
    std::vector<FoldRows> blocks;
    for (const auto* f : needs.folds)
        blocks.push_back(
            read_fold_rows(read_need(env, f->id), item_file(env.items_dir, f->id), *f));
    const auto& session = env.plan.sessions.at(item.session);
    io::Attributes attrs{{"session", session.key},     {"identifier", session.identifier},
                         {"subject", session.subject}, {"source", item.region},
                         {"target", item.target},      {"file", session.file}};
    return [&spec = env.spec, seed = env.spec.run.seed, key = item.rng_key(), name = item.name(),
            group = "/sessions/" + io::path_safe(item.session_key) + "/interactions",
            pair = io::path_safe(item.region) + "__" + io::path_safe(item.target),
            attrs = std::move(attrs), source = population(needs.bins[0]),
            target = population(needs.bins[1]), blocks = std::move(blocks)]() {
        const auto& in = spec.interactions;
        const PairInput data = pair_input(spec, key, name, source, target);
        const auto& x = data.x;
        const auto& y = data.y;
        const auto& folds = data.folds;
        const auto& lambdas = data.lambdas;
        const auto& split = data.split;
        const auto n = static_cast<std::size_t>(x.rows());
        // Unsplit: every fold here, through the same fold_rows a fold item runs.
        const PairCurves curves = assemble_pair_curves(
            spec, data,
            blocks.empty()
                ? std::vector<FoldRows>{fold_rows(spec, key, data, 0, static_cast<int>(in.folds))}
                : blocks,
            name);
        const auto& curve = curves.curve;
        const auto& ridge = curves.ridge;
        const auto range = &data.range;
        const auto fit = kernels::fit_reduced_rank(x, y);
        const int shown = static_cast<int>(curve.mean_performance.size()) - 1; // ranks 1..shown
        const Eigen::MatrixXd dims = fit.predictive_dimensions().leftCols(shown);

        io::ResultBlock block;
        block.group("/sessions", {{"description", std::string("analyses per session and region")}});
        block.group(group, {{"description", std::string("communication subspaces between the "
                                                        "regions of this session")}});
        const std::string g = group + "/" + pair;
        auto group_attrs = attrs;
        const auto& w = in.window;
        for (io::Attribute a : io::Attributes{
                 {"description",
                  std::string("communication subspace (reduced-rank regression, Semedo et al. "
                              "2019): the target's single-trial counts predicted from the "
                              "source's, summed over the window")},
                 {"window", w.name},
                 {"window_start", w.start},
                 {"window_stop", w.stop},
                 {"first_bin", static_cast<std::int64_t>(range->first)},
                 {"n_bins", static_cast<std::int64_t>(range->size())},
                 {"residuals", static_cast<std::int64_t>(in.residuals ? 1 : 0)},
                 {"n_trials", static_cast<std::int64_t>(n)},
                 {"n_source_units", static_cast<std::int64_t>(source.units)},
                 {"n_target_units", static_cast<std::int64_t>(target.units)},
                 {"folds", static_cast<std::int64_t>(in.folds)},
                 {"ranks_requested", static_cast<std::int64_t>(in.ranks)},
                 {"max_rank", static_cast<std::int64_t>(shown)},
                 {"permutations", static_cast<std::int64_t>(in.permutations)},
                 {"seed", static_cast<std::int64_t>(seed)}})
            group_attrs.push_back(std::move(a));
        block.group(g, std::move(group_attrs));
        const auto j = [&](const char* leaf) { return io::join_path(g, leaf); };
        const io::ResultBlock::Axis src_unit{"source_unit", "source_unit_ids"},
            tgt_unit{"target_unit", "target_unit_ids"}, dim{"dimension", "dimension"};
        block.add_i64(j("source_unit_ids"), {source.units}, source.unit_ids, "1",
                      "/units/id of each source unit", {src_unit});
        block.add_i64(j("target_unit_ids"), {target.units}, target.unit_ids, "1",
                      "/units/id of each target unit", {tgt_unit});
        add_curve(block, g, curve, "the target predicted from the source at each rank");
        std::vector<std::int64_t> fold_of(folds.begin(), folds.end());
        for (auto& f : fold_of)
            ++f;
        block.add_i64(j("trial_fold"), {n}, std::move(fold_of), "1",
                      "held-out fold (1-based) of each trial, in the order of the population's "
                      "binned trials; every curve of this pair uses these folds",
                      {{"trial", ""}});

        // Predictive dimensions (source space) and their alignment with the source's PCs.
        const auto nd = static_cast<std::size_t>(shown);
        block.add_i64(j("dimension"), {nd}, one_based(nd), "1",
                      "predictive dimension (1-based, by decreasing predicted variance)", {dim});
        block.add_f64(j("predictive_dimensions"), {source.units, nd}, row_major(dims),
                      "target spikes / source spike",
                      "columns of B_ols V (all trials): the source-space directions of the "
                      "reduced-rank map, not normalised; dropped (constant) units have 0",
                      {src_unit, dim});
        std::vector<double> captured(nd, nan), variance_ratio(nd, nan);
        for (int r = 1; r <= shown && r <= fit.max_rank; ++r) {
            const auto a = kernels::predictive_alignment(x, fit, r, r);
            captured[static_cast<std::size_t>(r - 1)] = a.captured;
            variance_ratio[static_cast<std::size_t>(r - 1)] = a.variance_ratio;
        }
        block.add_f64(j("alignment_captured"), {nd}, captured, "1",
                      "fraction of the top-r predictive subspace inside the source's top-r PC "
                      "subspace, ||Q^T U||_F^2 / r (r = dimension; 1: contained, r/p: random)",
                      {dim});
        block.add_f64(j("alignment_variance_ratio"), {nd}, variance_ratio, "1",
                      "source variance along the top-r predictive subspace over that along the "
                      "top-r PCs (r = dimension; below 1: predictive dimensions are not the "
                      "dominant ones)",
                      {dim});
        const int opt = curve.selected;
        std::vector<double> cosines;
        if (opt >= 1 && opt <= fit.max_rank)
            cosines = to_vector(kernels::predictive_alignment(x, fit, opt, opt).cosines);
        block.add_f64(j("alignment_cosines"), {cosines.size()}, cosines, "1",
                      "cosines of the principal angles between the optimal-dimension predictive "
                      "subspace and the source's top PCs of the same dimension, descending "
                      "(empty when the optimal dimension is 0)",
                      {{"angle", ""}});

        // Full-rank ridge reference.
        const std::string rg = g + "/ridge";
        block.group(rg, {{"description",
                          std::string("full-rank ridge regression on the z-scored source, lambda "
                                      "chosen by the one-SEM rule from the largest")},
                         {"lambda_grid",
                          std::string(in.ridge_lambdas.empty() ? "d_max (1 - s) / s, s = 0.50..1.00"
                                                               : "interactions.ridge_lambdas")}});
        const auto L = lambdas.size();
        const auto F = static_cast<std::size_t>(ridge.fold_performance.rows());
        const io::ResultBlock::Axis lam{"lambda", "lambda"}, fold{"fold", "fold"};
        block.add_f64(io::join_path(rg, "lambda"), {L}, lambdas, "1",
                      "ridge penalty, in the order scanned (largest first)", {lam});
        block.add_i64(io::join_path(rg, "fold"), {F}, one_based(F), "1",
                      "cross-validation fold (1-based; the same folds as the rank curve)", {fold});
        block.add_f64(io::join_path(rg, "performance"), {F, L}, row_major(ridge.fold_performance),
                      "1", "cross-validated performance 1 - RSS/TSS on each held-out fold",
                      {fold, lam});
        block.add_f64(io::join_path(rg, "mean_performance"), {L}, to_vector(ridge.mean_performance),
                      "1", "mean performance over folds", {lam});
        block.add_f64(io::join_path(rg, "sem"), {L}, to_vector(ridge.sem), "1",
                      "sd over folds (ddof 1) / sqrt(folds)", {lam});
        block.add_scalar(io::join_path(rg, "selected_lambda"),
                         lambdas.at(static_cast<std::size_t>(ridge.selected)), "1",
                         "lambda chosen by the one-SEM rule");
        block.add_scalar(io::join_path(rg, "selected_performance"), ridge.selected_performance, "1",
                         "mean performance at the chosen lambda");

        // Within-area control (pair_input): one random group of the target's units predicting
        // the others, the same folds and ranks.
        if (curves.within) {
            const auto& within = *curves.within;
            const auto predictor = data.predictor;
            const std::string wg = g + "/within_area";
            block.group(
                wg, {{"description", std::string("within-area control: one random group of the "
                                                 "target's units (min(source units, target units / "
                                                 "2)) predicting the others")},
                     {"n_predictor_units", static_cast<std::int64_t>(predictor)},
                     {"n_target_units", static_cast<std::int64_t>(split.target.size())}});
            add_curve(block, wg, within, "the target group predicted from the predictor group");
            block.add_i64(io::join_path(wg, "predictor_unit_ids"), {split.predictor.size()},
                          ids_of(target.unit_ids, split.predictor), "1",
                          "/units/id of the predictor group's units", {{"predictor_unit", ""}});
            block.add_i64(io::join_path(wg, "target_unit_ids"), {split.target.size()},
                          ids_of(target.unit_ids, split.target), "1",
                          "/units/id of the target group's units", {{"target_unit", ""}});
        }

        if (in.permutations > 0) {
            const auto& null = curves.null;
            const std::string ng = g + "/null";
            block.group(ng, {{"description",
                              std::string("permutation null of the peak performance: target "
                                          "trials shuffled within each condition, same folds")}});
            const auto B = static_cast<std::size_t>(null.size());
            block.add_i64(io::join_path(ng, "permutation"), {B}, one_based(B), "1",
                          "permutation (1-based)", {{"permutation", "permutation"}});
            block.add_f64(io::join_path(ng, "peak_performance"), {B}, to_vector(null), "1",
                          "peak mean performance over ranks of each permutation",
                          {{"permutation", "permutation"}});
            block.add_scalar(io::join_path(ng, "p_value"),
                             kernels::permutation_p_value(curve.peak_performance, null), "1",
                             "(1 + #{null >= observed peak}) / (1 + permutations)");
        }
        return block;
    };
}

} // namespace neuropop::engine::detail
