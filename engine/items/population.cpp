#include "engine/items/population.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "jobs/text_values.hpp"

namespace neuropop::engine {

std::vector<double> Population::bin_centers(const jobs::BinRange& r) const {
    std::vector<double> c;
    for (std::size_t b = r.first; b < r.last; ++b)
        c.push_back(0.5 * (bin_edges[b] + bin_edges[b + 1]));
    return c;
}

std::string TrialColumn::label(std::size_t t) const {
    return is_string ? strings.at(t) : jobs::text::format_double(numbers.at(t));
}

const TrialColumn& Population::column(const std::string& name) const {
    const auto it = columns.find(io::path_safe(name));
    if (it == columns.end())
        throw std::runtime_error("trials column '" + name + "' was not copied by the bin item");
    return it->second;
}

Population Population::from_block(const io::ResultBlock& block, const std::string& group) {
    const auto& counts = block.at(io::join_path(group, "counts"));
    if (counts.shape.size() != 3)
        throw std::runtime_error(counts.path + ": counts must be [trial, unit, bin]");
    Population p;
    p.trials = static_cast<std::size_t>(counts.shape[0]);
    p.units = static_cast<std::size_t>(counts.shape[1]);
    p.bins = static_cast<std::size_t>(counts.shape[2]);
    p.counts = counts.u32();
    p.unit_ids = block.at(io::join_path(group, "unit_ids")).i64();
    p.trial_conditions = block.at(io::join_path(group, "conditions")).text();
    p.bin_edges = block.at(io::join_path(group, "bin_edges")).f64();
    if (const auto* ids = block.find(io::join_path(group, "trial_ids")); ids != nullptr)
        p.trial_ids = ids->i64();
    if (p.unit_ids.size() != p.units || p.trial_conditions.size() != p.trials ||
        p.bin_edges.size() != p.bins + 1)
        throw std::runtime_error(group + ": coordinates do not match the counts");
    const std::string prefix = io::join_path(group, "trials") + "/";
    for (const auto& d : block.datasets) {
        if (d.path.rfind(prefix, 0) != 0) continue;
        TrialColumn c;
        c.is_string = d.type() == io::ElementType::String;
        if (c.is_string)
            c.strings = d.text();
        else
            c.numbers = d.f64();
        if ((c.is_string ? c.strings.size() : c.numbers.size()) != p.trials)
            throw std::runtime_error(d.path + ": not one value per trial");
        p.columns[d.path.substr(prefix.size())] = std::move(c);
    }
    std::map<std::string, std::vector<std::size_t>> by_label;
    for (std::size_t t = 0; t < p.trials; ++t)
        by_label[p.trial_conditions[t]].push_back(t);
    for (auto& [label, trials] : by_label) {
        p.conditions.push_back(label);
        p.trials_of.push_back(std::move(trials));
    }
    return p;
}

Eigen::MatrixXd condition_means(const Population& pop, const TrialGroups& groups,
                                const jobs::BinRange& r) {
    const auto nb = static_cast<Eigen::Index>(r.size());
    Eigen::MatrixXd out = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(groups.size()) * nb,
                                                static_cast<Eigen::Index>(pop.units));
    for (std::size_t c = 0; c < groups.size(); ++c) {
        const auto& trials = groups[c];
        if (trials.empty()) throw std::logic_error("condition_means: a condition without trials");
        const double n = static_cast<double>(trials.size());
        for (std::size_t b = r.first; b < r.last; ++b) {
            const auto row =
                static_cast<Eigen::Index>(c) * nb + static_cast<Eigen::Index>(b - r.first);
            for (std::size_t u = 0; u < pop.units; ++u) {
                double sum = 0;
                for (auto t : trials)
                    sum += pop.at(t, u, b);
                out(row, static_cast<Eigen::Index>(u)) = sum / n;
            }
        }
    }
    return out;
}

Eigen::MatrixXd trial_bins(const Population& pop, const std::vector<std::size_t>& trials,
                           const jobs::BinRange& r) {
    const auto nb = static_cast<Eigen::Index>(r.size());
    Eigen::MatrixXd out(static_cast<Eigen::Index>(trials.size()) * nb,
                        static_cast<Eigen::Index>(pop.units));
    for (std::size_t i = 0; i < trials.size(); ++i)
        for (std::size_t b = r.first; b < r.last; ++b)
            for (std::size_t u = 0; u < pop.units; ++u)
                out(static_cast<Eigen::Index>(i) * nb + static_cast<Eigen::Index>(b - r.first),
                    static_cast<Eigen::Index>(u)) = pop.at(trials[i], u, b);
    return out;
}

Eigen::MatrixXd window_sums(const Population& pop, const jobs::BinRange& r) {
    Eigen::MatrixXd out(static_cast<Eigen::Index>(pop.trials),
                        static_cast<Eigen::Index>(pop.units));
    for (std::size_t t = 0; t < pop.trials; ++t)
        for (std::size_t u = 0; u < pop.units; ++u) {
            double sum = 0;
            for (std::size_t b = r.first; b < r.last; ++b)
                sum += pop.at(t, u, b);
            out(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(u)) = sum;
        }
    return out;
}

Halves split_halves(const Population& pop, kernels::CounterRng& rng) {
    Halves h;
    for (std::size_t c = 0; c < pop.trials_of.size(); ++c) {
        auto trials = pop.trials_of[c];
        if (trials.size() < 2) continue;
        kernels::shuffle(trials.begin(), trials.end(), rng);
        const auto half = static_cast<std::ptrdiff_t>(trials.size() / 2);
        std::vector<std::size_t> a(trials.begin(), trials.begin() + half);
        std::vector<std::size_t> b(trials.begin() + half, trials.begin() + 2 * half);
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        h.used.push_back(c);
        h.a.push_back(std::move(a));
        h.b.push_back(std::move(b));
    }
    return h;
}

std::vector<std::size_t> flatten(const TrialGroups& groups) {
    std::vector<std::size_t> out;
    for (const auto& g : groups)
        out.insert(out.end(), g.begin(), g.end());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace neuropop::engine
