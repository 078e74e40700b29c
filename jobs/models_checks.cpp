#include "jobs/models_checks.hpp"

#include <algorithm>

#include "io/errors.hpp"
#include "io/h5_error.hpp"
#include "jobs/text_values.hpp"

namespace neuropop::jobs::models {

std::vector<std::string> stimulus_labels(const io::ModelFileInfo& info) {
    if (!info.numeric_stimuli) return info.stimulus_strings;
    std::vector<std::string> out;
    for (double v : info.stimulus_numbers)
        out.push_back(text::format_double(v));
    return out;
}

std::vector<std::string> selected_layers(const JobSpec& spec, const io::ModelFileInfo& info) {
    if (!spec.models.layers.empty()) return spec.models.layers;
    std::vector<std::string> out;
    for (const auto& l : info.layers)
        out.push_back(l.name);
    return out;
}

InventoryCheck::InventoryCheck(const JobSpec& spec, std::vector<std::string>& problems)
    : spec_(spec) {
    if (!spec.models.enabled) return;
    for (auto m : spec.models.measures)
        if ((m == ModelMeasure::Geometry || m == ModelMeasure::Capacity) &&
            spec.models.manifold_column.empty()) {
            problems.push_back("models.measures: geometry and capacity need "
                               "models.manifold_column (the class of each stimulus)");
            break;
        }
    if (spec.models.file.empty()) return;
    try {
        auto info = io::read_model_file_info(spec.models.file);
        bool layers_ok = true;
        std::set<std::string> seen;
        for (const auto& name : spec.models.layers) {
            if (!seen.insert(name).second) {
                problems.push_back("models.layers: layer '" + name + "' listed twice");
                layers_ok = false;
            }
            const bool found = std::any_of(info.layers.begin(), info.layers.end(),
                                           [&](const auto& l) { return l.name == name; });
            if (!found) {
                problems.push_back("models.layers: " + info.file + ": /layers: no layer '" + name +
                                   "'");
                layers_ok = false;
            }
        }
        if (layers_ok) io::check_model_values(info, spec.models.layers, block_values);
        info_ = std::move(info);
    } catch (const io::InputError& e) {
        problems.push_back("models.file: " + std::string(e.what()));
    } catch (const h5::Error& e) {
        problems.push_back("models.file: " + spec.models.file + ": " + e.what());
    }
}

void InventoryCheck::session(const std::string& shown, const io::SessionInfo& info,
                             std::vector<std::string>& problems) {
    if (!spec_.models.enabled || !info.trials || info.trials->rows() == 0) return;
    const auto& table = *info.trials;
    const auto* c = table.find(spec_.models.column);
    if (c == nullptr) {
        problems.push_back(shown + ": /intervals/trials: no column '" + spec_.models.column +
                           "' for models.column");
        return;
    }
    if (!spec_.models.manifold_column.empty() &&
        table.find(spec_.models.manifold_column) == nullptr)
        problems.push_back(shown + ": /intervals/trials: no column '" +
                           spec_.models.manifold_column + "' for models.manifold_column");
    any_column_ = true;
    for (std::size_t r = 0; r < table.rows(); ++r)
        values_.insert(c->is_string ? c->strings.at(r) : text::format_double(c->numbers.at(r)));
}

void InventoryCheck::finish(std::vector<std::string>& problems) const {
    if (!info_ || !any_column_) return;
    const auto labels = stimulus_labels(*info_);
    std::vector<std::string> unmatched;
    for (const auto& l : labels)
        if (values_.count(l) == 0) unmatched.push_back(l);
    if (unmatched.empty()) return;
    std::vector<std::string> shown(
        unmatched.begin(), unmatched.begin() + static_cast<std::ptrdiff_t>(
                                                   std::min<std::size_t>(unmatched.size(), 4)));
    auto list = text::join(shown);
    if (unmatched.size() > shown.size())
        list += " and " + std::to_string(unmatched.size() - shown.size()) + " more";
    problems.push_back("models.file: " + info_->file +
                       ": /stimuli: " + std::to_string(unmatched.size()) +
                       " label(s) match no value of trials "
                       "column '" +
                       spec_.models.column + "' in any session: " + list);
}

} // namespace neuropop::jobs::models
