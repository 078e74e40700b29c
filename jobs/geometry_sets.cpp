#include "jobs/geometry_sets.hpp"

#include <algorithm>
#include <map>

#include "jobs/text_values.hpp"

namespace neuropop::jobs::geometry {

std::vector<Window> windows(const JobSpec& spec) {
    if (!spec.geometry.windows.empty()) return spec.geometry.windows;
    return {Window{"all", spec.align.start, spec.align.stop}};
}

std::string set_name(const std::vector<std::string>& set) {
    return text::join(set, "*");
}

std::string set_group(const std::vector<std::string>& set) {
    return text::join(set, "_x_");
}

Conditions joint_conditions(
    const std::vector<std::string>& set, std::size_t trials,
    const std::function<std::string(const std::string& column, std::size_t trial)>& label) {
    std::vector<std::string> per_trial(trials);
    for (std::size_t t = 0; t < trials; ++t) {
        std::vector<std::string> parts;
        for (const auto& column : set)
            parts.push_back(label(column, t));
        per_trial[t] = text::join(parts, "|");
    }
    std::map<std::string, int> index;
    for (const auto& l : per_trial)
        index.emplace(l, 0);
    Conditions c;
    for (auto& [l, i] : index) {
        i = static_cast<int>(c.labels.size());
        c.labels.push_back(l);
    }
    c.trial_count.assign(c.labels.size(), 0);
    for (const auto& l : per_trial) {
        const int i = index.at(l);
        c.of_trial.push_back(i);
        ++c.trial_count[static_cast<std::size_t>(i)];
    }
    return c;
}

std::optional<std::vector<double>> column_model(const Conditions& conditions,
                                                const std::vector<std::string>& column_labels,
                                                std::string& why) {
    const std::size_t k = conditions.labels.size();
    std::vector<std::optional<std::string>> value(k);
    for (std::size_t t = 0; t < conditions.of_trial.size(); ++t) {
        auto& v = value[static_cast<std::size_t>(conditions.of_trial[t])];
        if (!v) {
            v = column_labels.at(t);
        } else if (*v != column_labels.at(t)) {
            why = "takes the values '" + *v + "' and '" + column_labels.at(t) +
                  "' within condition '" +
                  conditions.labels[static_cast<std::size_t>(conditions.of_trial[t])] + "'";
            return std::nullopt;
        }
    }
    std::vector<double> rdm(k * k, 0.0);
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < k; ++j)
            rdm[i * k + j] = *value[i] == *value[j] ? 0.0 : 1.0;
    return rdm;
}

bool constant_off_diagonal(const std::vector<double>& rdm, std::size_t k) {
    if (k < 3) return true; // one pair: a single value is always constant
    const double first = rdm[1];
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = i + 1; j < k; ++j)
            if (rdm[i * k + j] != first) return false;
    return true;
}

std::size_t min_trials_per_condition(const GeometrySection& g, std::string& why) {
    std::size_t need = 2; // a manifold's covariance needs two samples
    why = "a manifold covariance needs 2 trials";
    if (!g.shots.empty()) {
        const int m = *std::max_element(g.shots.begin(), g.shots.end());
        if (static_cast<std::size_t>(m) + 1 > need) {
            need = static_cast<std::size_t>(m) + 1;
            why = "geometry.shots has m = " + std::to_string(m) +
                  ", and the few-shot classifier trains on m trials and tests on the rest";
        }
    }
    const bool crossnobis =
        std::find(g.rdms.begin(), g.rdms.end(), RdmMeasure::Crossnobis) != g.rdms.end();
    if (crossnobis && g.folds > need) {
        need = g.folds;
        why = "crossnobis needs a trial of each condition in each of geometry.folds = " +
              std::to_string(g.folds) + " folds";
    }
    return need;
}

} // namespace neuropop::jobs::geometry
