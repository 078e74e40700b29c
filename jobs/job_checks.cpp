#include "jobs/job_checks.hpp"

#include <algorithm>

#include "io/result_block.hpp"
#include "jobs/coupling_shape.hpp"
#include "jobs/job_keys.hpp"
#include "jobs/text_values.hpp"
#include "jobs/windows.hpp"
#include "kernels/binning.hpp"

namespace neuropop::jobs::detail {

namespace {

std::string allowed(const std::string& key) {
    const auto* k = find_key(key);
    return k != nullptr ? "; allowed: " + k->allowed : std::string();
}

bool any_bad(const std::set<std::string>& bad, std::initializer_list<const char*> keys) {
    for (const auto* k : keys)
        if (bad.count(k) != 0) return true;
    return false;
}

void check_align(const JobSpec& spec, const std::set<std::string>& bad,
                 std::vector<std::string>& problems) {
    if (any_bad(bad, {"align.start", "align.stop", "align.bin_width"})) return;
    const kernels::BinWindow window{spec.align.start, spec.align.stop, spec.align.bin_width};
    if (const auto why = window.validate(); !why.empty())
        problems.push_back("align.start = " + text::format_double(spec.align.start) +
                           ", align.stop = " + text::format_double(spec.align.stop) +
                           ", align.bin_width = " + text::format_double(spec.align.bin_width) +
                           ": " + why);
}

void check_windows(const JobSpec& spec, const std::set<std::string>& bad,
                   std::vector<std::string>& problems) {
    if (any_bad(bad, {"align.start", "align.stop", "align.bin_width"})) return;
    const kernels::BinWindow whole{spec.align.start, spec.align.stop, spec.align.bin_width};
    if (!whole.validate().empty()) return; // reported by check_align
    const auto check_list = [&](const char* key, const std::vector<Window>& windows) {
        if (bad.count(key) != 0) return;
        std::set<std::string> names;
        for (const auto& w : windows) {
            std::string why;
            if (!window_bins(spec.align, w, &why))
                problems.push_back(std::string(key) + ": " + why + allowed(key));
            if (!names.insert(w.name).second)
                problems.push_back(std::string(key) + ": window name '" + w.name + "' used twice" +
                                   allowed(key));
        }
    };
    check_list("pca.windows", spec.pca.windows);
    check_list("decode.windows", spec.decode.windows);
    check_list("geometry.windows", spec.geometry.windows);
    // The FA window is only checked when FA runs: its default need not fit every aligned window.
    if (spec.fa.enabled && bad.count("fa.window") == 0) {
        std::string why;
        if (!window_bins(spec.align, spec.fa.window, &why))
            problems.push_back("fa.window: " + why + allowed("fa.window"));
    }
    if (spec.interactions.enabled && bad.count("interactions.window") == 0) {
        std::string why;
        if (!window_bins(spec.align, spec.interactions.window, &why))
            problems.push_back("interactions.window: " + why + allowed("interactions.window"));
    }
    if (spec.models.enabled && bad.count("models.window") == 0) {
        std::string why;
        if (!window_bins(spec.align, spec.models.window, &why))
            problems.push_back("models.window: " + why + allowed("models.window"));
    }
}

void check_conditions(const JobSpec& spec, const std::set<std::string>& bad,
                      std::vector<std::string>& problems) {
    if (bad.count("conditions.columns") != 0) return;
    std::set<std::string> seen;
    for (const auto& c : spec.conditions.columns)
        if (!seen.insert(c).second)
            problems.push_back("conditions.columns: column '" + c + "' listed twice");
    if (!spec.conditions.columns.empty()) return;
    // Condition means (PCA of PSTHs) and cvPCA's stimulus repeats both need conditions.
    std::vector<std::string> needing;
    if (spec.pca.enabled && spec.pca.samples == PcaSamples::ConditionMeans)
        needing.push_back("pca (pca.samples = condition_means)");
    if (spec.cvpca.enabled) needing.push_back("cvpca");
    if (!needing.empty())
        problems.push_back("conditions.columns: empty, but " + text::join(needing, " and ") +
                           " need conditions" + allowed("conditions.columns"));
}

} // namespace

void check_spec(const JobSpec& spec, const std::set<std::string>& bad,
                std::vector<std::string>& problems) {
    if (spec.data.sessions.empty() && bad.count("data.sessions") == 0)
        problems.push_back("data.sessions: required, not given" + allowed("data.sessions"));
    check_align(spec, bad, problems);
    check_windows(spec, bad, problems);
    check_conditions(spec, bad, problems);
    if (!any_bad(bad, {"cvpca.fit_first", "cvpca.fit_last"}) &&
        spec.cvpca.fit_last < spec.cvpca.fit_first)
        problems.push_back("cvpca.fit_last = " + std::to_string(spec.cvpca.fit_last) +
                           ": less than cvpca.fit_first = " + std::to_string(spec.cvpca.fit_first) +
                           allowed("cvpca.fit_last"));
    if (spec.decode.enabled && spec.decode.targets.empty() && bad.count("decode.targets") == 0)
        problems.push_back("decode.targets: empty, but decode.enabled = true" +
                           allowed("decode.targets"));
    if (spec.decode.enabled && bad.count("decode.targets") == 0) {
        // One results group per column (/sessions/<s>/<r>/decode/<column>).
        std::set<std::string> seen;
        for (const auto& t : spec.decode.targets)
            if (!seen.insert(io::path_safe(t.column)).second)
                problems.push_back("decode.targets: column '" + t.column +
                                   "' listed twice (one results group per column)" +
                                   allowed("decode.targets"));
    }
    if (spec.geometry.enabled && spec.geometry.conditions.empty() &&
        bad.count("geometry.conditions") == 0)
        problems.push_back("geometry.conditions: empty, but geometry.enabled = true" +
                           allowed("geometry.conditions"));
    if (spec.geometry.enabled && spec.geometry.rdms.empty() && bad.count("geometry.rdms") == 0)
        problems.push_back("geometry.rdms: empty, but geometry.enabled = true" +
                           allowed("geometry.rdms"));
    // Only checked when the GLM runs: its default window need not fit every aligned window.
    if (spec.coupling.enabled &&
        !any_bad(bad, {"coupling.window", "coupling.bin", "coupling.history",
                       "coupling.history_basis", "coupling.stimulus_basis"}) &&
        !any_bad(bad, {"align.start", "align.stop", "align.bin_width"})) {
        std::string why;
        if (!coupling_shape(spec, &why)) {
            const std::string key = why.substr(0, why.find(':'));
            problems.push_back(why + allowed(key));
        }
    }
    if (spec.models.enabled) {
        if (spec.models.file.empty())
            problems.push_back("models.file: empty, but models.enabled = true" +
                               allowed("models.file"));
        if (spec.models.column.empty())
            problems.push_back("models.column: empty, but models.enabled = true" +
                               allowed("models.column"));
        if (spec.models.measures.empty() && bad.count("models.measures") == 0)
            problems.push_back("models.measures: empty, but models.enabled = true" +
                               allowed("models.measures"));
        const auto& m = spec.models.measures;
        if (std::find(m.begin(), m.end(), ModelMeasure::Rsa) != m.end() &&
            spec.models.compare.empty() && bad.count("models.compare") == 0)
            problems.push_back("models.compare: empty, but models.measures has rsa" +
                               allowed("models.compare"));
    }
    // Pooled comparisons use the [models] section's file, column, window and measures.
    if (spec.pseudo.enabled && !spec.models.enabled && bad.count("pseudo.analyses") == 0 &&
        std::find(spec.pseudo.analyses.begin(), spec.pseudo.analyses.end(),
                  PseudoAnalysis::Models) != spec.pseudo.analyses.end())
        problems.push_back("pseudo.analyses: models, but models.enabled = false; pooled brain "
                           "<-> network comparisons need the [models] section (enable it, or "
                           "leave models out of pseudo.analyses)");
    if (spec.run.force && spec.run.resume)
        problems.push_back("run.force and run.resume: both true; choose one (force starts "
                           "afresh over an existing results file, resume continues it)");
}

} // namespace neuropop::jobs::detail
