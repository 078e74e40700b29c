#include "jobs/geometry_checks.hpp"

#include <algorithm>
#include <cmath>

#include "io/errors.hpp"
#include "jobs/geometry_sets.hpp"
#include "jobs/text_values.hpp"
#include "jobs/trial_selection.hpp"

namespace neuropop::jobs::geometry {

namespace {

std::string value_label(const io::Column& c, std::size_t row) {
    return c.is_string ? c.strings.at(row) : text::format_double(c.numbers.at(row));
}

// "a (3), b (4)" for at most four conditions, then "and N more".
std::string short_list(const std::vector<std::string>& items) {
    std::vector<std::string> shown(
        items.begin(),
        items.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(items.size(), 4)));
    auto s = text::join(shown);
    if (items.size() > shown.size())
        s += " and " + std::to_string(items.size() - shown.size()) + " more";
    return s;
}

} // namespace

InventoryCheck::InventoryCheck(const JobSpec& spec, std::vector<std::string>& problems)
    : spec_(spec) {
    if (!spec.geometry.enabled || spec.geometry.model_file.empty()) return;
    try {
        model_file_ = io::read_model_rdm_file(spec.geometry.model_file);
    } catch (const io::InputError& e) {
        problems.push_back("geometry.model_file: " + std::string(e.what()));
    }
}

void InventoryCheck::session(const std::string& shown, const io::SessionInfo& info,
                             std::vector<std::string>& problems) {
    const auto& g = spec_.geometry;
    if (!g.enabled || !info.trials || info.trials->rows() == 0) return;
    const auto& table = *info.trials;

    // Columns: each missing one once per file (the conditions.columns check reports its own).
    std::vector<std::string> wanted;
    for (const auto& set : g.conditions)
        for (const auto& c : set)
            wanted.push_back(c);
    wanted.insert(wanted.end(), g.model_columns.begin(), g.model_columns.end());
    std::set<std::string> reported;
    bool missing = false;
    for (const auto& c : wanted) {
        if (table.find(c) != nullptr) continue;
        missing = true;
        if (!reported.insert(c).second) continue;
        const bool model =
            std::find(g.model_columns.begin(), g.model_columns.end(), c) != g.model_columns.end();
        problems.push_back(shown + ": /intervals/trials: no column '" + c + "' for " +
                           (model ? "geometry.models" : "geometry.conditions"));
    }
    const auto* event = table.find(spec_.align.event);
    if (missing || event == nullptr || event->is_string) return; // reported elsewhere

    // The trials the bin item keeps: those trials.where passes with a finite alignment time.
    const std::vector<std::size_t> kept = binned_rows(spec_, table);
    if (kept.empty()) return;
    const auto label = [&](const std::string& column, std::size_t t) {
        return value_label(*table.find(column), kept[t]);
    };

    std::string need_why;
    const std::size_t need = min_trials_per_condition(g, need_why);
    checked_sets_ = true;
    for (const auto& set : g.conditions) {
        const auto name = set_name(set);
        const Conditions c = joint_conditions(set, kept.size(), label);
        set_sizes_.insert(c.labels.size());
        if (c.labels.size() < 2) {
            problems.push_back(shown + ": /intervals/trials: geometry.conditions set '" + name +
                               "' has one condition ('" + c.labels.front() +
                               "'); RDMs and manifold geometry compare at least 2");
            continue;
        }
        std::vector<std::string> few;
        for (std::size_t k = 0; k < c.labels.size(); ++k)
            if (c.trial_count[k] < need)
                few.push_back("'" + c.labels[k] + "' (" + std::to_string(c.trial_count[k]) + ")");
        if (!few.empty())
            problems.push_back(shown + ": /intervals/trials: geometry.conditions set '" + name +
                               "': " + std::to_string(few.size()) +
                               " condition(s) with fewer than " + std::to_string(need) +
                               " aligned trials: " + short_list(few) + "; " + need_why);
        for (const auto& column : g.model_columns) {
            std::vector<std::string> values;
            for (std::size_t t = 0; t < kept.size(); ++t)
                values.push_back(label(column, t));
            std::string why;
            const auto rdm = column_model(c, values, why);
            if (!rdm)
                model_misfit_[column] = "in " + shown + ", set '" + name + "', it " + why;
            else if (constant_off_diagonal(*rdm, c.labels.size()))
                model_misfit_[column] = "in " + shown + ", set '" + name +
                                        "', it gives every pair of conditions the same value";
            else
                model_fits_.insert(column);
        }
    }
}

void InventoryCheck::finish(std::vector<std::string>& problems) const {
    if (!spec_.geometry.enabled || !checked_sets_) return;
    for (const auto& column : spec_.geometry.model_columns)
        if (model_fits_.count(column) == 0 && model_misfit_.count(column) != 0)
            problems.push_back(
                "geometry.models: column '" + column +
                "' gives no usable model RDM for any condition set (a model column must be one "
                "of the set's columns or constant within each condition, and must tell some "
                "conditions apart): " +
                model_misfit_.at(column));
    if (model_file_ && set_sizes_.count(model_file_->conditions) == 0) {
        std::vector<std::string> sizes;
        for (auto k : set_sizes_)
            sizes.push_back(std::to_string(k));
        const auto k = model_file_->conditions;
        problems.push_back("geometry.model_file: " + model_file_->file + ": models of " +
                           std::to_string(k * (k - 1) / 2) + " values are RDMs of " +
                           std::to_string(k) + " conditions, but the condition sets have " +
                           text::join(sizes) +
                           " conditions (K conditions need K (K - 1) / 2 values)");
    }
}

} // namespace neuropop::jobs::geometry
