#include "engine/items/interactions_folds.hpp"

#include <algorithm>
#include <stdexcept>

#include "io/result_store.hpp"

namespace neuropop::engine::detail {

namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Index of each trial's condition label in pop.conditions (sorted labels).
std::vector<int> condition_indices(const Population& pop) {
    std::vector<int> out;
    out.reserve(pop.trials);
    for (const auto& label : pop.trial_conditions) {
        const auto it = std::lower_bound(pop.conditions.begin(), pop.conditions.end(), label);
        out.push_back(static_cast<int>(it - pop.conditions.begin()));
    }
    return out;
}

Eigen::MatrixXd columns_of(const Eigen::MatrixXd& m, const std::vector<int>& cols) {
    Eigen::MatrixXd out(m.rows(), static_cast<Eigen::Index>(cols.size()));
    for (std::size_t j = 0; j < cols.size(); ++j)
        out.col(static_cast<Eigen::Index>(j)) = m.col(cols[j]);
    return out;
}

std::string block_group(const jobs::WorkItem& item) {
    return "/interactions_folds/" + io::path_safe(item.session_key) + "/" +
           io::path_safe(item.region) + "__" + io::path_safe(item.target) + "/" +
           std::to_string(item.block);
}

// A matrix as a row-major dataset [rows, cols], or [permutations, folds, cols] for the null.
void add_rows(io::ResultBlock& block, const std::string& path, const Eigen::MatrixXd& m,
              std::vector<std::uint64_t> shape, const std::string& what,
              std::vector<io::ResultBlock::Axis> axes) {
    const RowMajor r = m;
    block.add_f64(path, std::move(shape), std::vector<double>(r.data(), r.data() + r.size()), "1",
                  what, std::move(axes));
}

Eigen::MatrixXd read_rows(const io::ResultBlock& block, const std::string& path,
                          const std::string& who) {
    const auto* d = block.find(path);
    if (d == nullptr) return {};
    if (d->shape.size() < 2) throw std::runtime_error(who + ": " + path + " is not a matrix");
    const auto cols = static_cast<Eigen::Index>(d->shape.back());
    const auto rows = cols == 0 ? 0 : static_cast<Eigen::Index>(d->elements()) / cols;
    return Eigen::Map<const RowMajor>(d->f64().data(), rows, cols);
}

} // namespace

PairInput pair_input(const jobs::JobSpec& spec, std::uint64_t rng_key, const std::string& name,
                     const Population& source, const Population& target) {
    const auto& in = spec.interactions;
    std::string why;
    const auto range = jobs::window_bins(spec.align, in.window, &why);
    if (!range) throw std::runtime_error(name + ": " + why);
    if (source.trials != target.trials || source.trial_conditions != target.trial_conditions)
        throw std::runtime_error(name + ": the two regions' bin items hold different trials");
    PairInput p;
    p.range = *range;
    p.conditions = condition_indices(source);
    p.x = window_sums(source, p.range);
    p.y = window_sums(target, p.range);
    if (in.residuals) {
        p.x = kernels::subtract_condition_means(p.x, p.conditions);
        p.y = kernels::subtract_condition_means(p.y, p.conditions);
    }
    const auto n = static_cast<std::size_t>(p.x.rows());
    if (n < in.folds)
        throw std::runtime_error(name + ": " + std::to_string(n) +
                                 " trials, fewer than interactions.folds");
    p.max_rank = static_cast<int>(std::min<std::size_t>(in.ranks, 1u << 30));
    kernels::CounterRng fold_rng(spec.run.seed, rng_key, stream_rrr_folds);
    p.folds = kernels::rrr_folds(n, static_cast<int>(in.folds), fold_rng);
    p.lambdas = in.ridge_lambdas.empty()
                    ? kernels::ridge_lambdas(p.x, kernels::default_ridge_shrinkage())
                    : in.ridge_lambdas;
    // Within-area control: the target's units split into a predictor group of the source's size
    // (at most half the target) and the rest, the same folds and ranks.
    const int k_units = static_cast<int>(target.units);
    p.predictor = std::min(static_cast<int>(source.units), k_units / 2);
    p.within = in.within_area && p.predictor >= 1;
    if (p.within) {
        kernels::CounterRng split_rng(spec.run.seed, rng_key, stream_unit_split);
        p.split = kernels::split_units(k_units, p.predictor, split_rng);
        p.xw = columns_of(p.y, p.split.predictor);
        p.yw = columns_of(p.y, p.split.target);
    }
    return p;
}

FoldRows fold_rows(const jobs::JobSpec& spec, std::uint64_t rng_key, const PairInput& in, int first,
                   int last) {
    FoldRows r;
    r.first = first;
    r.last = last;
    r.curve = kernels::rrr_fold_performance(in.x, in.y, in.folds, in.max_rank, first, last);
    r.ridge = kernels::ridge_fold_performance(in.x, in.y, in.folds, in.lambdas, first, last);
    if (in.within)
        r.within = kernels::rrr_fold_performance(in.xw, in.yw, in.folds, in.max_rank, first, last);
    const auto permutations = spec.interactions.permutations;
    if (permutations > 0)
        r.null = kernels::rrr_null_fold_performance(
            in.x, in.y, in.conditions, in.folds, static_cast<int>(permutations), spec.run.seed,
            rng_key, stream_null_first, in.max_rank, first, last);
    return r;
}

PairCurves assemble_pair_curves(const jobs::JobSpec& spec, const PairInput& in,
                                std::vector<FoldRows> blocks, const std::string& name) {
    const auto& section = spec.interactions;
    const auto folds = static_cast<int>(section.folds);
    std::sort(blocks.begin(), blocks.end(),
              [](const FoldRows& a, const FoldRows& b) { return a.first < b.first; });
    int next = 0;
    for (const auto& b : blocks) {
        if (b.first != next || b.last <= b.first)
            throw std::logic_error(name + ": fold blocks do not tile [0, " + std::to_string(folds) +
                                   ")");
        next = b.last;
    }
    if (next != folds)
        throw std::logic_error(name + ": fold blocks cover [0, " + std::to_string(next) +
                               "), interactions.folds = " + std::to_string(folds));
    // Every block's columns follow from the data, which the fold items read from the same bin
    // items: a mismatch means a stale or foreign item file.
    const int ranks = kernels::rrr_curve_rank(in.x, in.y.cols(), in.folds, in.max_rank);
    const int within_ranks =
        in.within ? kernels::rrr_curve_rank(in.xw, in.yw.cols(), in.folds, in.max_rank) : -1;
    const auto B = static_cast<Eigen::Index>(section.permutations);
    const auto stack = [&](Eigen::MatrixXd FoldRows::*m, Eigen::Index cols, Eigen::Index per_fold,
                           const char* what) {
        Eigen::MatrixXd out(folds, cols);
        for (const auto& b : blocks) {
            const Eigen::Index rows = b.last - b.first;
            if ((b.*m).rows() != rows * per_fold || (b.*m).cols() != cols)
                throw std::runtime_error(name + ": the " + what + " rows of folds [" +
                                         std::to_string(b.first) + ", " + std::to_string(b.last) +
                                         ") have the wrong shape");
            if (per_fold == 1) out.middleRows(b.first, rows) = b.*m;
        }
        return out;
    };
    PairCurves c;
    c.curve = kernels::cv_curve(stack(&FoldRows::curve, ranks + 1, 1, "rank-curve"));
    c.ridge = kernels::cv_curve(
        stack(&FoldRows::ridge, static_cast<Eigen::Index>(in.lambdas.size()), 1, "ridge"));
    if (in.within)
        c.within = kernels::cv_curve(stack(&FoldRows::within, within_ranks + 1, 1, "within-area"));
    if (B > 0) {
        stack(&FoldRows::null, ranks + 1, B, "null"); // shapes only
        std::vector<Eigen::MatrixXd> null;
        for (auto& b : blocks)
            null.push_back(std::move(b.null));
        c.null = kernels::rrr_null_peaks(null, static_cast<int>(B));
    }
    return c;
}

io::ResultBlock fold_rows_block(const jobs::WorkItem& item, const FoldRows& rows) {
    const auto g = block_group(item);
    const auto F = static_cast<std::uint64_t>(rows.last - rows.first);
    io::ResultBlock block;
    block.group(g, {{"description", std::string("fold rows of an interactions item's curves "
                                                "(intermediate; not merged)")},
                    {"first", static_cast<std::int64_t>(rows.first)},
                    {"last", static_cast<std::int64_t>(rows.last)}});
    const io::ResultBlock::Axis fold{"fold", ""}, rank{"rank", ""};
    const auto cols = [](const Eigen::MatrixXd& m) { return static_cast<std::uint64_t>(m.cols()); };
    add_rows(block, io::join_path(g, "curve"), rows.curve, {F, cols(rows.curve)},
             "performance [fold, rank] of folds [first, last)", {fold, rank});
    add_rows(block, io::join_path(g, "ridge"), rows.ridge, {F, cols(rows.ridge)},
             "ridge performance [fold, lambda] of folds [first, last)", {fold, {"lambda", ""}});
    if (rows.within.size() > 0)
        add_rows(block, io::join_path(g, "within_area"), rows.within, {F, cols(rows.within)},
                 "within-area performance [fold, rank] of folds [first, last)", {fold, rank});
    if (rows.null.size() > 0)
        add_rows(block, io::join_path(g, "null"), rows.null,
                 {static_cast<std::uint64_t>(rows.null.rows()) / F, F, cols(rows.null)},
                 "null performance [permutation, fold, rank] of folds [first, last)",
                 {{"permutation", ""}, fold, rank});
    return block;
}

FoldRows read_fold_rows(const io::ResultBlock& block, const std::filesystem::path& file,
                        const jobs::WorkItem& item) {
    const auto g = block_group(item);
    if (block.find(io::join_path(g, "curve")) == nullptr)
        throw std::runtime_error(item.name() + ": " + file.string() + " holds no " + g + "/curve");
    FoldRows r;
    r.first = static_cast<int>(item.first);
    r.last = static_cast<int>(item.last);
    r.curve = read_rows(block, io::join_path(g, "curve"), item.name());
    r.ridge = read_rows(block, io::join_path(g, "ridge"), item.name());
    r.within = read_rows(block, io::join_path(g, "within_area"), item.name());
    r.null = read_rows(block, io::join_path(g, "null"), item.name());
    return r;
}

} // namespace neuropop::engine::detail
