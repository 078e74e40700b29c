#include "jobs/job_keys.hpp"

#include <limits>

#include "jobs/text_values.hpp"

namespace neuropop::jobs::detail {

namespace fs = std::filesystem;

namespace {

// Generous upper bounds: they only catch a slipped digit, never limit a real job.
constexpr std::uint64_t max_count = 1'000'000;
constexpr std::uint64_t max_threads = 4096;

std::string resolve(const std::string& path, const fs::path& base) {
    const fs::path p(path);
    return (p.is_absolute() ? p : base / p).lexically_normal().string();
}

KeySpec uint_key(std::string name, std::string help, std::uint64_t min, std::uint64_t max,
                 std::function<std::uint64_t(const JobSpec&)> get,
                 std::function<void(JobSpec&, std::uint64_t)> put) {
    std::string allowed = "whole number >= " + std::to_string(min);
    if (max != std::numeric_limits<std::uint64_t>::max())
        allowed += " and <= " + std::to_string(max);
    return {std::move(name), std::move(allowed), std::move(help),
            [get](const JobSpec& s) { return std::to_string(get(s)); },
            [put, min, max](JobSpec& s, const std::string& t, const fs::path&) {
                std::string why;
                if (auto v = text::to_uint(t, min, max, why)) put(s, *v);
                return why;
            }};
}

KeySpec double_key(std::string name, std::string help, std::string allowed, bool positive,
                   std::function<double(const JobSpec&)> get,
                   std::function<void(JobSpec&, double)> put) {
    return {std::move(name), std::move(allowed), std::move(help),
            [get](const JobSpec& s) { return text::format_double(get(s)); },
            [put, positive](JobSpec& s, const std::string& t, const fs::path&) {
                std::string why;
                const auto v = text::to_double(t, why);
                if (!v) return why;
                if (positive && !(*v > 0)) return std::string("must be > 0");
                put(s, *v);
                return std::string();
            }};
}

KeySpec bool_key(std::string name, std::string help, std::function<bool(const JobSpec&)> get,
                 std::function<void(JobSpec&, bool)> put) {
    return {std::move(name), "true or false (also yes/no, on/off, 1/0)", std::move(help),
            [get](const JobSpec& s) { return text::format_bool(get(s)); },
            [put](JobSpec& s, const std::string& t, const fs::path&) {
                std::string why;
                if (auto v = text::to_bool(t, why)) put(s, *v);
                return why;
            }};
}

std::vector<KeySpec> make_keys() {
    std::vector<KeySpec> k;
    // [data]
    k.push_back({"data.sessions",
                 "comma-separated NWB files, folders (every *.nwb inside) or globs; relative "
                 "paths are taken from the job file's folder (from the current folder on the "
                 "command line); required",
                 "the sessions to analyse, one NWB file each",
                 [](const JobSpec& s) { return text::join(s.data.sessions); },
                 [](JobSpec& s, const std::string& t, const fs::path& base) {
                     s.data.sessions.clear();
                     for (const auto& item : text::split_list(t))
                         s.data.sessions.push_back(resolve(item, base));
                     return std::string();
                 }});
    k.push_back({"data.regions",
                 "comma-separated brain regions as the NWB files name them (e.g. IT, VISp, CA1); "
                 "empty: every region",
                 "which regions form populations",
                 [](const JobSpec& s) { return text::join(s.data.regions); },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     s.data.regions = text::split_list(t);
                     return std::string();
                 }});
    k.push_back(uint_key(
        "data.min_units", "session-regions with fewer units are skipped (and listed as skipped)", 1,
        max_count, [](const JobSpec& s) { return s.data.min_units; },
        [](JobSpec& s, std::uint64_t v) { s.data.min_units = static_cast<std::size_t>(v); }));
    // [align]
    k.push_back({"align.event",
                 "a numeric column of /intervals/trials holding times in seconds (e.g. "
                 "start_time, stim_on_time)",
                 "the trial event that time 0 is aligned to",
                 [](const JobSpec& s) { return s.align.event; },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     s.align.event = text::trim(t);
                     return s.align.event.empty() ? std::string("empty") : std::string();
                 }});
    k.push_back(double_key(
        "align.start", "first bin's left edge, seconds relative to the event (inclusive)",
        "seconds; a whole number of bins before align.stop", false,
        [](const JobSpec& s) { return s.align.start; },
        [](JobSpec& s, double v) { s.align.start = v; }));
    k.push_back(double_key(
        "align.stop", "last bin's right edge, seconds relative to the event (exclusive)",
        "seconds > align.start; a whole number of bins after align.start", false,
        [](const JobSpec& s) { return s.align.stop; },
        [](JobSpec& s, double v) { s.align.stop = v; }));
    k.push_back(double_key(
        "align.bin_width", "width of each time bin", "seconds > 0", true,
        [](const JobSpec& s) { return s.align.bin_width; },
        [](JobSpec& s, double v) { s.align.bin_width = v; }));
    // [conditions]
    k.push_back({"conditions.columns",
                 "comma-separated /intervals/trials columns (numeric or string); their joint "
                 "values label a condition, e.g. stimulus_ID, stimulus_position -> car|lower",
                 "trials columns whose values, taken together, label each trial's condition",
                 [](const JobSpec& s) { return text::join(s.conditions.columns); },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     s.conditions.columns = text::split_list(t);
                     return std::string();
                 }});
    // [output]
    k.push_back({"output.path",
                 "a file path; relative paths are taken from the job file's folder (from the "
                 "current folder on the command line)",
                 "the results file (HDF5)", [](const JobSpec& s) { return s.output.path; },
                 [](JobSpec& s, const std::string& t, const fs::path& base) {
                     const auto p = text::trim(t);
                     if (p.empty()) return std::string("empty");
                     s.output.path = resolve(p, base);
                     return std::string();
                 }});
    // [run]
    k.push_back(uint_key(
        "run.seed", "seed of every random draw (fold splits, shuffles, resamples)", 0,
        std::numeric_limits<std::uint64_t>::max(), [](const JobSpec& s) { return s.run.seed; },
        [](JobSpec& s, std::uint64_t v) { s.run.seed = v; }));
    k.push_back(uint_key(
        "run.threads", "worker threads per rank; 0: the node's cores divided by its ranks", 0,
        max_threads, [](const JobSpec& s) { return std::uint64_t{s.run.threads}; },
        [](JobSpec& s, std::uint64_t v) { s.run.threads = static_cast<unsigned>(v); }));
    k.push_back(bool_key(
        "run.force", "overwrite an existing results file",
        [](const JobSpec& s) { return s.run.force; }, [](JobSpec& s, bool v) { s.run.force = v; }));
    k.push_back(bool_key(
        "run.resume", "continue from the completed items of an interrupted run",
        [](const JobSpec& s) { return s.run.resume; },
        [](JobSpec& s, bool v) { s.run.resume = v; }));
    k.push_back(bool_key(
        "run.quiet", "no progress line", [](const JobSpec& s) { return s.run.quiet; },
        [](JobSpec& s, bool v) { s.run.quiet = v; }));
    // [pca]
    k.push_back(bool_key(
        "pca.enabled", "run PCA on every population",
        [](const JobSpec& s) { return s.pca.enabled; },
        [](JobSpec& s, bool v) { s.pca.enabled = v; }));
    k.push_back(uint_key(
        "pca.components", "principal components kept (clipped to the number of units)", 1,
        max_count, [](const JobSpec& s) { return s.pca.components; },
        [](JobSpec& s, std::uint64_t v) { s.pca.components = static_cast<std::size_t>(v); }));
    k.push_back({"pca.samples",
                 "condition_means (one sample per condition and bin: the PSTHs) or trials (one "
                 "sample per trial and bin)",
                 "what the PCA rows are",
                 [](const JobSpec& s) {
                     return std::string(s.pca.samples == PcaSamples::Trials ? "trials"
                                                                            : "condition_means");
                 },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     const auto v = text::trim(t);
                     if (v == "condition_means")
                         s.pca.samples = PcaSamples::ConditionMeans;
                     else if (v == "trials")
                         s.pca.samples = PcaSamples::Trials;
                     else
                         return std::string("unknown value");
                     return std::string();
                 }});
    k.push_back({"pca.windows",
                 "comma-separated name:start:stop, seconds relative to the event, each inside "
                 "[align.start, align.stop] on bin edges (e.g. baseline:-0.4:0, "
                 "response:0.1:0.5); names unique, of letters, digits, '_', '-', '.'; empty: the "
                 "whole aligned window, named all",
                 "time windows analysed separately",
                 [](const JobSpec& s) {
                     std::vector<std::string> items;
                     for (const auto& w : s.pca.windows)
                         items.push_back(text::format_window(w));
                     return text::join(items);
                 },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     s.pca.windows.clear();
                     std::string problems;
                     for (const auto& item : text::split_list(t)) {
                         std::string why;
                         if (auto w = text::to_window(item, why))
                             s.pca.windows.push_back(*w);
                         else
                             problems += (problems.empty() ? "" : "; ") + why;
                     }
                     return problems;
                 }});
    // [cvpca]
    k.push_back(bool_key(
        "cvpca.enabled", "run cross-validated PCA (Stringer et al. 2019) on every population",
        [](const JobSpec& s) { return s.cvpca.enabled; },
        [](JobSpec& s, bool v) { s.cvpca.enabled = v; }));
    k.push_back(uint_key(
        "cvpca.shuffles", "random splits of the trials into two halves, averaged", 1, max_count,
        [](const JobSpec& s) { return s.cvpca.shuffles; },
        [](JobSpec& s, std::uint64_t v) { s.cvpca.shuffles = static_cast<std::size_t>(v); }));
    k.push_back(uint_key(
        "cvpca.fit_first", "first component (1-based) of the power-law fit of the spectrum", 1,
        max_count, [](const JobSpec& s) { return s.cvpca.fit_first; },
        [](JobSpec& s, std::uint64_t v) { s.cvpca.fit_first = static_cast<std::size_t>(v); }));
    k.push_back(uint_key(
        "cvpca.fit_last",
        "last component of the power-law fit (clipped to the data); >= cvpca.fit_first", 1,
        max_count, [](const JobSpec& s) { return s.cvpca.fit_last; },
        [](JobSpec& s, std::uint64_t v) { s.cvpca.fit_last = static_cast<std::size_t>(v); }));
    // [fa]
    k.push_back(bool_key(
        "fa.enabled", "run factor analysis on every population",
        [](const JobSpec& s) { return s.fa.enabled; },
        [](JobSpec& s, bool v) { s.fa.enabled = v; }));
    k.push_back(uint_key(
        "fa.factors",
        "latent factors; populations with no more units than this skip FA (listed as skipped)", 1,
        max_count, [](const JobSpec& s) { return s.fa.factors; },
        [](JobSpec& s, std::uint64_t v) { s.fa.factors = static_cast<std::size_t>(v); }));
    k.push_back({"fa.window",
                 "[name:]start:stop, seconds relative to the event, inside [align.start, "
                 "align.stop] on bin edges; spikes are summed over it per trial",
                 "the window of single-trial counts FA models",
                 [](const JobSpec& s) { return text::format_window(s.fa.window); },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     std::string why;
                     if (auto w = text::to_window(t, why, "fa")) s.fa.window = *w;
                     return why;
                 }});
    k.push_back(uint_key(
        "fa.max_iter", "EM iterations at most", 1, max_count,
        [](const JobSpec& s) { return s.fa.max_iter; },
        [](JobSpec& s, std::uint64_t v) { s.fa.max_iter = static_cast<std::size_t>(v); }));
    k.push_back(double_key(
        "fa.tol", "EM stops when the log-likelihood gains less than this", "number > 0", true,
        [](const JobSpec& s) { return s.fa.tol; }, [](JobSpec& s, double v) { s.fa.tol = v; }));
    return k;
}

} // namespace

const std::vector<KeySpec>& job_keys() {
    static const std::vector<KeySpec> keys = make_keys();
    return keys;
}

const std::vector<SectionSpec>& job_sections() {
    static const std::vector<SectionSpec> sections = {
        {"data", "which sessions and populations"},
        {"align", "trial alignment and binning"},
        {"conditions", "what defines a condition"},
        {"output", "where results go"},
        {"run", "execution"},
        {"pca", "principal component analysis"},
        {"cvpca", "cross-validated PCA spectrum"},
        {"fa", "factor analysis"},
    };
    return sections;
}

const KeySpec* find_key(const std::string& name) {
    for (const auto& k : job_keys())
        if (k.name == name) return &k;
    return nullptr;
}

} // namespace neuropop::jobs::detail
