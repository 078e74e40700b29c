#include "engine/items/pseudo_pool.hpp"

#include <map>
#include <stdexcept>

namespace neuropop::engine {

namespace {

std::map<std::string, std::vector<std::size_t>>
trials_by_label(const std::vector<std::string>& labels) {
    std::map<std::string, std::vector<std::size_t>> out;
    for (std::size_t t = 0; t < labels.size(); ++t)
        out[labels[t]].push_back(t);
    return out;
}

} // namespace

std::vector<std::string> common_conditions(const std::vector<PoolSource>& sources,
                                           std::size_t per_condition,
                                           std::vector<std::string>* missing) {
    std::map<std::string, std::size_t> sessions_with;
    std::vector<std::map<std::string, std::vector<std::size_t>>> by_source;
    for (const auto& s : sources) {
        by_source.push_back(trials_by_label(s.labels));
        for (const auto& [label, trials] : by_source.back())
            if (trials.size() >= per_condition) ++sessions_with[label];
    }
    std::vector<std::string> out;
    for (const auto& [label, n] : sessions_with)
        if (n == sources.size()) out.push_back(label);
    if (missing != nullptr)
        for (std::size_t i = 0; i < sources.size(); ++i)
            for (const auto& [label, n] : sessions_with) {
                if (n == sources.size()) continue;
                const auto it = by_source[i].find(label);
                const std::size_t have = it == by_source[i].end() ? 0 : it->second.size();
                if (have < per_condition)
                    missing->push_back(std::to_string(i) + ": label '" + label + "' has " +
                                       std::to_string(have) + " trials, fewer than " +
                                       std::to_string(per_condition));
            }
    return out;
}

Population pool(const std::vector<PoolSource>& sources, const std::vector<std::string>& conditions,
                const PoolOptions& options, kernels::CounterRng& rng,
                std::vector<std::vector<std::size_t>>* source_trials) {
    if (sources.empty()) throw std::invalid_argument("pool: no source population");
    if (conditions.empty() || options.per_condition == 0)
        throw std::invalid_argument("pool: no condition or no trial per condition to draw");
    const Population& first = *sources.front().population;
    Population out;
    out.bins = first.bins;
    out.bin_edges = first.bin_edges;
    out.trials = conditions.size() * options.per_condition;
    for (const auto& s : sources) {
        if (s.population->bin_edges != first.bin_edges)
            throw std::invalid_argument("pool: sources binned differently");
        if (s.labels.size() != s.population->trials)
            throw std::invalid_argument("pool: not one label per trial");
        out.units += s.population->units;
        out.unit_ids.insert(out.unit_ids.end(), s.population->unit_ids.begin(),
                            s.population->unit_ids.end());
    }
    out.counts.assign(out.trials * out.units * out.bins, 0);
    if (source_trials != nullptr)
        source_trials->assign(sources.size(), std::vector<std::size_t>(out.trials, 0));

    std::size_t unit_offset = 0;
    for (std::size_t si = 0; si < sources.size(); ++si) {
        const auto& src = sources[si];
        const Population& p = *src.population;
        auto labels = src.labels;
        if (options.shuffle_labels) kernels::shuffle(labels.begin(), labels.end(), rng);
        auto by_label = trials_by_label(labels);
        for (std::size_t c = 0; c < conditions.size(); ++c) {
            auto it = by_label.find(conditions[c]);
            if (it == by_label.end() || it->second.size() < options.per_condition)
                throw std::invalid_argument(
                    "pool: source " + std::to_string(si) + " has " +
                    std::to_string(it == by_label.end() ? 0 : it->second.size()) + " trials of '" +
                    conditions[c] + "', fewer than " + std::to_string(options.per_condition));
            auto& trials = it->second;
            kernels::shuffle(trials.begin(), trials.end(), rng);
            for (std::size_t i = 0; i < options.per_condition; ++i) {
                const std::size_t pseudo = c * options.per_condition + i;
                if (source_trials != nullptr) (*source_trials)[si][pseudo] = trials[i];
                for (std::size_t u = 0; u < p.units; ++u)
                    for (std::size_t b = 0; b < p.bins; ++b)
                        out.counts[(pseudo * out.units + unit_offset + u) * out.bins + b] =
                            p.at(trials[i], u, b);
            }
        }
        unit_offset += p.units;
    }
    for (std::size_t c = 0; c < conditions.size(); ++c) {
        out.conditions.push_back(conditions[c]);
        std::vector<std::size_t> rows;
        for (std::size_t i = 0; i < options.per_condition; ++i) {
            rows.push_back(c * options.per_condition + i);
            out.trial_conditions.push_back(conditions[c]);
        }
        out.trials_of.push_back(std::move(rows));
    }
    return out;
}

} // namespace neuropop::engine
