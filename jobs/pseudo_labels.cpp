#include "jobs/pseudo_labels.hpp"

#include <algorithm>

#include "jobs/text_values.hpp"

namespace neuropop::jobs {

ItemKind pooled_kind(PseudoAnalysis a) {
    switch (a) {
    case PseudoAnalysis::Decode:
        return ItemKind::Decode;
    case PseudoAnalysis::Geometry:
        return ItemKind::Geometry;
    case PseudoAnalysis::Pca:
        return ItemKind::Pca;
    case PseudoAnalysis::Models:
        return ItemKind::Models;
    }
    return ItemKind::Pca;
}

const char* analysis_name(PseudoAnalysis a) {
    return row_of(pooled_kind(a)).name;
}

std::string PseudoTarget::name() const {
    return target.empty() ? std::string(analysis_name(analysis))
                          : std::string(analysis_name(analysis)) + ":" + target;
}

std::vector<PseudoTarget> pseudo_targets(const JobSpec& spec) {
    std::vector<PseudoTarget> out;
    for (auto a : spec.pseudo.analyses) {
        if (a == PseudoAnalysis::Decode && spec.decode.enabled)
            for (const auto& t : spec.decode.targets)
                out.push_back({a, t.column, {t.column}, t.classes});
        if (a == PseudoAnalysis::Geometry && spec.geometry.enabled)
            for (const auto& set : spec.geometry.conditions)
                out.push_back({a, text::join(set, "*"), set, {}});
        if (a == PseudoAnalysis::Pca && spec.pca.enabled)
            out.push_back({a, "", spec.conditions.columns, {}});
        // One target, named "models" (no suffix): pooled by the stimulus column of [models].
        if (a == PseudoAnalysis::Models && spec.models.enabled)
            out.push_back({a, "", {spec.models.column}, {}});
    }
    return out;
}

std::vector<std::string> pooling_labels(const PseudoTarget& t,
                                        const std::vector<std::vector<std::string>>& columns,
                                        std::size_t rows) {
    const std::size_t n = rows;
    std::vector<std::string> out(n);
    for (std::size_t r = 0; r < n; ++r) {
        std::string label;
        bool keep = true;
        for (std::size_t k = 0; k < columns.size(); ++k) {
            const auto& v = columns[k][r];
            if (v == "nan" || v == "-nan" || v.empty()) keep = false;
            if (k == 0 && !t.classes.empty() &&
                std::find(t.classes.begin(), t.classes.end(), v) == t.classes.end())
                keep = false;
            label += (k > 0 ? "|" : "") + v;
        }
        if (columns.empty()) label = "all";
        out[r] = keep ? label : std::string();
    }
    return out;
}

std::map<std::string, std::size_t> label_counts(const std::vector<std::string>& labels) {
    std::map<std::string, std::size_t> out;
    for (const auto& l : labels)
        if (!l.empty()) ++out[l];
    return out;
}

} // namespace neuropop::jobs
