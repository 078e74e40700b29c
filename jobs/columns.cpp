#include "jobs/columns.hpp"

#include <algorithm>

namespace neuropop::jobs {

std::vector<std::string> extra_trial_columns(const JobSpec& spec) {
    std::vector<std::string> out;
    const auto add = [&out](const std::string& c) {
        if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    };
    if (spec.decode.enabled)
        for (const auto& t : spec.decode.targets)
            add(t.column);
    if (spec.geometry.enabled) {
        for (const auto& set : spec.geometry.conditions)
            for (const auto& c : set)
                add(c);
        for (const auto& c : spec.geometry.model_columns)
            add(c);
    }
    if (spec.models.enabled && !spec.models.column.empty()) add(spec.models.column);
    if (spec.models.enabled && !spec.models.manifold_column.empty())
        add(spec.models.manifold_column);
    return out;
}

} // namespace neuropop::jobs
