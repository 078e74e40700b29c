// Stage 2 decoding (docs/ANALYSES.md §3): the permutation-null blocks ("decode_null", intermediate
// items) and the decode item that cross-validates the real labels, reads its null blocks back
// and writes /sessions/<session>/<region>/decode/<target>/ (schema: the decode brief).
//
// Every draw is keyed by (seed, rng_key, stream) and a decode item and its null items share a
// scope ("decode/<column>"), hence an rng_key: fold ids and permutation b are the same whichever
// item, rank or split of the permutations computes them.

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "engine/items/decode_input.hpp"
#include "engine/items/prepare.hpp"
#include "io/result_store.hpp"
#include "kernels/decode.hpp"
#include "kernels/stats.hpp"

namespace neuropop::engine::detail {

namespace {

using Axis = io::ResultBlock::Axis;

std::string null_dataset(const jobs::WorkItem& item) {
    return "/decode_null/" + io::path_safe(item.session_key) + "/" + io::path_safe(item.region) +
           "/" + io::path_safe(item.target) + "/null";
}

const char* decoder_name(kernels::DecoderKind d) {
    switch (d) {
    case kernels::DecoderKind::Lda:
        return "lda";
    case kernels::DecoderKind::Ridge:
        return "ridge";
    default:
        return "logistic";
    }
}

std::string rng_text(std::uint64_t seed, std::uint64_t key, const std::string& scope) {
    return "CounterRng(seed " + std::to_string(seed) + ", key " + std::to_string(key) +
           " = FNV-1a of '<session>/<region>/" + scope + "'): folds from stream " +
           std::to_string(stream_decode_folds) + ", permutation b from stream " +
           std::to_string(stream_decode_permutations) + " + b";
}

const char* null_rule =
    "permute_all: permutation b shuffles every trial's label and redraws the stratified folds "
    "for the shuffled labels (both from its own stream), then cross-validates as for the real "
    "labels (scikit-learn's permutation_test_score); shuffling only the training labels is not "
    "calibrated (kernels/decode.hpp)";
const char* null_rule_ridge =
    "permute_all: permutation b shuffles the targets of every trial (its own stream) and "
    "cross-validates on the real folds";

// Null scores [permutation, time] for permutations [first, last), row-major.
std::vector<double> null_block(const DecodeInput& in, const jobs::DecodeSection& d,
                               const kernels::CrossValidation& cv, std::size_t first,
                               std::size_t last) {
    if (!in.labels.regression)
        return kernels::decode_null(in.times, in.labels.labels, in.n_classes(), decoder_options(d),
                                    cv, first, last);
    return kernels::regress_null(in.times, in.labels.values, d.alpha, cv, first, last,
                                 d.null_batch);
}

struct NullScores {
    std::size_t permutations = 0;
    std::vector<double> values; // [permutation, time]
};

// The null blocks of a decode item, read back from its decode_null items' files in permutation
// order.
NullScores read_nulls(const ItemEnv& env, const jobs::WorkItem& item, std::size_t times) {
    std::vector<const jobs::WorkItem*> nulls;
    for (auto need : item.needs)
        if (env.plan.items.at(need).kind == jobs::ItemKind::DecodeNull)
            nulls.push_back(&env.plan.items[need]);
    std::sort(nulls.begin(), nulls.end(),
              [](const jobs::WorkItem* a, const jobs::WorkItem* b) { return a->first < b->first; });
    NullScores out;
    for (const auto* n : nulls) {
        if (n->first != out.permutations)
            throw std::logic_error(item.name() + ": permutation blocks do not tile [0, B)");
        const auto block = read_need(env, n->id);
        const auto& d = block.at(null_dataset(*n));
        const auto rows = static_cast<std::size_t>(n->last - n->first);
        if (d.shape.size() != 2 || d.shape[0] != rows || d.shape[1] != times)
            throw std::runtime_error(n->name() + ": null block has the wrong shape");
        out.values.insert(out.values.end(), d.f64().begin(), d.f64().end());
        out.permutations += rows;
    }
    if (out.permutations != env.spec.decode.permutations)
        throw std::logic_error(item.name() + ": " + std::to_string(out.permutations) +
                               " null permutations found, decode.permutations = " +
                               std::to_string(env.spec.decode.permutations));
    return out;
}

std::vector<std::int64_t> to_i64(const std::vector<std::vector<int>>& rows) {
    std::vector<std::int64_t> out;
    for (const auto& r : rows)
        out.insert(out.end(), r.begin(), r.end());
    return out;
}

struct Meta {
    std::string group;
    io::Attributes population;
    std::uint64_t seed = 0, key = 0;
    std::string scope;
};

void add_common(io::ResultBlock& block, const Meta& m, const jobs::DecodeSection& d,
                const DecodeInput& in, std::size_t permutations, std::size_t unconverged) {
    add_population_groups(block, io::parent_path(io::parent_path(m.group)), m.population);
    block.group(io::parent_path(m.group),
                {{"description", std::string("cross-validated decoding of trials columns")}});
    io::Attributes a{
        {"description",
         std::string(in.labels.regression ? "time-resolved cross-validated ridge regression of a "
                                            "numeric trials column (R^2)"
                                          : "time-resolved cross-validated decoding of a trials "
                                            "column; units z-scored on each training fold")},
        {"target", in.column},
        {"decoder", std::string(decoder_name(d.decoder))},
        {"folds", static_cast<std::int64_t>(d.folds)},
        {"repeats", static_cast<std::int64_t>(d.repeats)},
        {"permutations", static_cast<std::int64_t>(permutations)},
        {"null_scheme", std::string(in.labels.regression ? null_rule_ridge : null_rule)},
        {"n_trials", static_cast<std::int64_t>(in.trial_ids.size())},
        {"n_units", static_cast<std::int64_t>(in.units)},
        {"time_mode", std::string(in.windows ? "windows" : "bins")},
        {"seed", std::to_string(m.seed)},
        {"rng", rng_text(m.seed, m.key, m.scope)}};
    if (d.decoder == kernels::DecoderKind::Ridge)
        a.push_back({"alpha", d.alpha});
    else if (d.decoder == kernels::DecoderKind::Logistic)
        a.push_back({"C", d.C});
    else
        a.push_back({"shrinkage", std::string("Ledoit-Wolf per class on standardised samples, "
                                              "as sklearn LDA(solver='lsqr', shrinkage='auto')")});
    if (!in.labels.regression) {
        a.push_back({"n_classes", static_cast<std::int64_t>(in.labels.classes.size())});
        a.push_back({"unconverged_fits", static_cast<std::int64_t>(unconverged)});
    }
    std::string subset;
    for (const auto& c : in.subset)
        subset += (subset.empty() ? "" : "|") + c;
    a.push_back({"class_subset", subset.empty() ? std::string("(every value)") : subset});
    block.group(m.group, std::move(a));

    const auto j = [&](const char* name) { return io::join_path(m.group, name); };
    const auto T = in.times.size();
    const Axis time{"time", "time"}, trial{"trial", "trial_ids"};
    block.add_f64(j("time"), {T}, in.centre, "s",
                  in.windows ? "centre of each window relative to the alignment event"
                             : "centre of each bin relative to the alignment event",
                  {time});
    block.add_f64(j("time_start"), {T}, in.start, "s",
                  "start of each bin or window relative to the alignment event", {time});
    block.add_f64(j("time_stop"), {T}, in.stop, "s",
                  "stop of each bin or window relative to the alignment event", {time});
    block.add_strings(j("time_names"), in.names, "name of each time (bin_<i> or the window name)",
                      {time});
    block.add_i64(j("trial_ids"), {in.trial_ids.size()}, in.trial_ids, "1",
                  "/intervals/trials/id of each decoded trial", {trial});
}

io::ResultBlock classification_block(const Meta& m, const jobs::DecodeSection& d,
                                     const DecodeInput& in, const kernels::DecodeResult& r,
                                     const NullScores& null) {
    io::ResultBlock block;
    add_common(block, m, d, in, null.permutations, r.unconverged_fits);
    const auto j = [&](const char* name) { return io::join_path(m.group, name); };
    const auto T = in.times.size(), K = in.labels.classes.size(), F = r.folds * r.repeats,
               N = in.trial_ids.size();
    const Axis time{"time", "time"}, trial{"trial", "trial_ids"};
    block.add_strings(j("class_labels"), in.labels.classes,
                      "class labels: numbers sorted by value, strings by text",
                      {{"class", "class_labels"}});
    block.add_f64(j("accuracy"), {T}, r.accuracy, "1",
                  "fraction of out-of-fold predictions that are correct, pooled over folds and "
                  "repeats",
                  {time});
    block.add_f64(j("balanced_accuracy"), {T}, r.balanced_accuracy, "1",
                  "mean over classes of the recall of the pooled out-of-fold predictions", {time});
    block.add_scalar(j("chance"), 1.0 / static_cast<double>(K), "1",
                     "1 / n_classes: chance level of balanced accuracy");
    std::vector<std::size_t> count(K, 0);
    for (int l : in.labels.labels)
        ++count[static_cast<std::size_t>(l)];
    block.add_scalar(
        j("majority_rate"),
        static_cast<double>(*std::max_element(count.begin(), count.end())) / static_cast<double>(N),
        "1", "fraction of trials in the largest class (accuracy of always guessing it)");
    block.add_f64(j("fold_accuracy"), {T, F}, r.fold_accuracy, "1",
                  "accuracy within each test fold; fold axis = repeat * folds + fold",
                  {time, {"fold", ""}});
    block.add_i64(j("confusion"), {T, K, K}, r.confusion, "trials",
                  "out-of-fold predictions [true class, predicted class], summed over folds and "
                  "repeats",
                  {time, {"true_class", "class_labels"}, {"predicted_class", "class_labels"}});
    if (!r.generalization.empty())
        block.add_f64(j("generalization"), {T, T}, r.generalization, "1",
                      "temporal generalisation: accuracy of the decoder trained at train_time on "
                      "the held-out trials at test_time, pooled like accuracy (diagonal = "
                      "accuracy)",
                      {{"train_time", "time"}, {"test_time", "time"}});
    block.add_i64(j("fold_ids"), {r.repeats, N}, to_i64(r.fold_ids), "1",
                  "test fold of each trial in each repeat (stratified k-fold)",
                  {{"repeat", ""}, trial});
    if (null.permutations > 0) {
        block.add_f64(j("null_accuracy"), {null.permutations, T}, null.values, "1",
                      "accuracy of each permutation of the labels (see null_scheme)",
                      {{"permutation", ""}, time});
        block.add_f64(j("p_value"), {T}, kernels::permutation_p_values(r.accuracy, null.values),
                      "1", "(1 + #{null_accuracy >= accuracy}) / (1 + permutations)", {time});
    }
    return block;
}

io::ResultBlock regression_block(const Meta& m, const jobs::DecodeSection& d, const DecodeInput& in,
                                 const kernels::RegressionResult& r, const NullScores& null,
                                 const std::vector<std::vector<int>>& fold_ids) {
    io::ResultBlock block;
    add_common(block, m, d, in, null.permutations, 0);
    const auto j = [&](const char* name) { return io::join_path(m.group, name); };
    const auto T = in.times.size(), F = r.folds * r.repeats, N = in.trial_ids.size();
    const Axis time{"time", "time"}, trial{"trial", "trial_ids"};
    block.add_f64(j("r2"), {T}, r.r2, "1",
                  "R^2 of the out-of-fold predictions of every trial, averaged over repeats",
                  {time});
    block.add_f64(j("fold_r2"), {T, F}, r.fold_r2, "1",
                  "R^2 within each test fold; fold axis = repeat * folds + fold",
                  {time, {"fold", ""}});
    block.add_i64(j("fold_ids"), {r.repeats, N}, to_i64(fold_ids), "1",
                  "test fold of each trial in each repeat (shuffled k-fold)",
                  {{"repeat", ""}, trial});
    if (null.permutations > 0) {
        block.add_f64(j("null_r2"), {null.permutations, T}, null.values, "1",
                      "R^2 of each permutation of the targets (see null_scheme)",
                      {{"permutation", ""}, time});
        block.add_f64(j("p_value"), {T}, kernels::permutation_p_values(r.r2, null.values), "1",
                      "(1 + #{null_r2 >= r2}) / (1 + permutations)", {time});
    }
    return block;
}

} // namespace

Work prepare_decode_null(const ItemEnv& env, const jobs::WorkItem& item, Population pop) {
    return [&spec = env.spec, item, pop = std::move(pop)]() {
        const DecodeInput in = decode_input(spec, pop, item);
        const auto cv = cross_validation(spec, item);
        const auto first = static_cast<std::size_t>(item.first),
                   last = static_cast<std::size_t>(item.last);
        io::ResultBlock block;
        const auto path = null_dataset(item);
        block.group(io::parent_path(path),
                    {{"description", std::string("permutation-null block of a decode item "
                                                 "(intermediate; not merged)")}});
        auto& d = block.add_f64(path, {last - first, in.times.size()},
                                null_block(in, spec.decode, cv, first, last), "1",
                                "null score of permutations [first, last) at each time",
                                {{"permutation", ""}, {"time", ""}});
        d.attributes.push_back({"first", static_cast<std::int64_t>(first)});
        d.attributes.push_back({"last", static_cast<std::int64_t>(last)});
        return block;
    };
}

Work prepare_decode(const ItemEnv& env, const jobs::WorkItem& item, Population pop) {
    const std::size_t times =
        env.spec.decode.windows.empty() ? pop.bins : env.spec.decode.windows.size();
    NullScores null = read_nulls(env, item, times);
    Meta m{analysis_group(item.session_key, item.region) + "/decode/" + io::path_safe(item.target),
           population_attributes(env, item), env.spec.run.seed, item.rng_key(), item.scope};
    return
        [&spec = env.spec, item, pop = std::move(pop), null = std::move(null), m = std::move(m)]() {
            const DecodeInput in = decode_input(spec, pop, item);
            const auto& d = spec.decode;
            const auto cv = cross_validation(spec, item);
            if (in.labels.regression) {
                const auto r = kernels::regress_bins(in.times, in.labels.values, d.alpha, cv);
                return regression_block(m, d, in, r, null, regression_folds(in, cv));
            }
            const auto r = kernels::decode_bins(in.times, in.labels.labels, in.n_classes(),
                                                decoder_options(d), cv, d.generalization);
            return classification_block(m, d, in, r, null);
        };
}

} // namespace neuropop::engine::detail
