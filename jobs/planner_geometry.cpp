// Stage 2 Geometry items: one per population and condition set (docs/ANALYSES.md §4).

#include <algorithm>
#include <numeric>

#include "jobs/geometry_sets.hpp"
#include "jobs/planner_detail.hpp"
#include "jobs/text_values.hpp"

namespace neuropop::jobs::detail {

namespace {

// Distinct joint labels of the set's columns over the session's trials (at least 1); only a
// cost estimate, so every row counts (the inventory checks the aligned ones).
double set_conditions(const io::SessionInfo& info, const std::vector<std::string>& set) {
    if (!info.trials) return 1;
    const auto& table = *info.trials;
    for (const auto& c : set)
        if (table.find(c) == nullptr) return 1;
    const auto c = geometry::joint_conditions(
        set, table.rows(), [&](const std::string& column, std::size_t row) {
            const auto* col = table.find(column);
            return col->is_string ? col->strings.at(row)
                                  : text::format_double(col->numbers.at(row));
        });
    return static_cast<double>(std::max<std::size_t>(c.labels.size(), 1));
}

} // namespace

void add_geometry_items(const PlanContext& ctx, Plan& plan) {
    // ctx.bins is not used: windows are summed once per trial and unit; the estimate below
    // dominates.
    const auto& spec = ctx.spec;
    if (!spec.geometry.enabled) return;
    const auto& g = spec.geometry;
    const double windows = static_cast<double>(geometry::windows(spec).size());
    const double shots = std::accumulate(g.shots.begin(), g.shots.end(), 0.0);
    for (const auto& p : ctx.populations) {
        for (const auto& set : g.conditions) {
            const double k = set_conditions(plan.sessions[p.session].info, set);
            WorkItem item;
            item.kind = ItemKind::Geometry;
            item.session = p.session;
            item.session_key = plan.sessions[p.session].key;
            item.region = p.region;
            item.target = geometry::set_name(set);
            item.scope = "geometry/" + item.target;
            item.needs = {p.bin_item};
            // Noise covariance through the smaller Gram side (T U min(T, U)) and the few-shot
            // episodes over ordered condition pairs (K^2 U episodes shots), per window.
            item.cost = windows * (p.trials * p.units * std::min(p.trials, p.units) +
                                   k * k * p.units * static_cast<double>(g.episodes) * shots);
            add_item(plan, std::move(item));
        }
    }
}

} // namespace neuropop::jobs::detail
