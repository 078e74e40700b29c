#include "engine/items/decode_input.hpp"

#include <numeric>
#include <stdexcept>

#include "jobs/windows.hpp"
#include "kernels/folds.hpp"

namespace neuropop::engine::detail {

namespace {

const jobs::DecodeSection::Target& find_target(const jobs::DecodeSection& d,
                                               const jobs::WorkItem& item) {
    for (const auto& t : d.targets)
        if (t.column == item.target) return t;
    throw std::logic_error(item.name() + ": decode.targets has no column '" + item.target + "'");
}

// Trials x units of the decoded trials, counts summed over bins [first, last).
Eigen::MatrixXd summed(const Population& pop, const std::vector<std::size_t>& trials,
                       std::size_t first, std::size_t last) {
    Eigen::MatrixXd out(static_cast<Eigen::Index>(trials.size()),
                        static_cast<Eigen::Index>(pop.units));
    for (std::size_t i = 0; i < trials.size(); ++i)
        for (std::size_t u = 0; u < pop.units; ++u) {
            double sum = 0;
            for (std::size_t b = first; b < last; ++b)
                sum += pop.at(trials[i], u, b);
            out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(u)) = sum;
        }
    return out;
}

} // namespace

DecodeInput decode_input(const jobs::JobSpec& spec, const Population& pop,
                         const jobs::WorkItem& item) {
    const auto& d = spec.decode;
    const auto& target = find_target(d, item);
    const TrialColumn& c = pop.column(target.column);
    std::vector<std::size_t> rows(pop.trials);
    std::iota(rows.begin(), rows.end(), std::size_t{0});
    std::vector<std::string> problems;
    DecodeInput in;
    in.column = target.column;
    in.subset = target.classes;
    in.labels = jobs::decode_labels(d, target, c.is_string, c.strings, c.numbers, rows, problems);
    if (!problems.empty())
        throw std::runtime_error(item.name() + ": trials column '" + target.column +
                                 "': " + problems.front());
    in.units = pop.units;
    for (auto t : in.labels.trials)
        in.trial_ids.push_back(t < pop.trial_ids.size() ? pop.trial_ids[t]
                                                        : static_cast<std::int64_t>(t));
    const auto add = [&](std::size_t first, std::size_t last, std::string name) {
        in.times.push_back(summed(pop, in.labels.trials, first, last));
        in.start.push_back(pop.bin_edges.at(first));
        in.stop.push_back(pop.bin_edges.at(last));
        in.centre.push_back(0.5 * (in.start.back() + in.stop.back()));
        in.names.push_back(std::move(name));
    };
    in.windows = !d.windows.empty();
    if (!in.windows) {
        for (std::size_t b = 0; b < pop.bins; ++b)
            add(b, b + 1, "bin_" + std::to_string(b));
    } else {
        for (const auto& w : d.windows) {
            std::string why;
            const auto range = jobs::window_bins(spec.align, w, &why);
            if (!range) throw std::runtime_error(item.name() + ": decode.windows: " + why);
            add(range->first, range->last, w.name);
        }
    }
    return in;
}

kernels::DecoderOptions decoder_options(const jobs::DecodeSection& d) {
    kernels::DecoderOptions o;
    o.kind = d.decoder;
    o.C = d.C;
    return o;
}

kernels::CrossValidation cross_validation(const jobs::JobSpec& spec, const jobs::WorkItem& item) {
    kernels::CrossValidation cv;
    cv.folds = static_cast<int>(spec.decode.folds);
    cv.repeats = static_cast<int>(spec.decode.repeats);
    cv.seed = spec.run.seed;
    cv.item = item.rng_key();
    cv.fold_stream = stream_decode_folds;
    cv.permutation_stream = stream_decode_permutations;
    cv.null_scheme = kernels::NullScheme::PermuteAll;
    return cv;
}

std::vector<std::vector<int>> regression_folds(const DecodeInput& in,
                                               const kernels::CrossValidation& cv) {
    kernels::CounterRng rng(cv.seed, cv.item, cv.fold_stream);
    std::vector<std::vector<int>> out;
    for (int r = 0; r < cv.repeats; ++r)
        out.push_back(kernels::shuffled_folds(in.labels.values.size(), cv.folds, rng));
    return out;
}

} // namespace neuropop::engine::detail
