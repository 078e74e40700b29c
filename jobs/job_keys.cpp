#include "jobs/job_keys.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "jobs/text_values.hpp"
#include "jobs/trial_filter.hpp"

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

// A comma-separated list of name:start:stop windows, stored through `field`.
// `field` is a generic lambda returning the list from a JobSpec (const or not).
template <class Field>
KeySpec windows_key(std::string name, std::string help, std::string empty_meaning, Field field) {
    return {std::move(name),
            "comma-separated name:start:stop, seconds relative to the event, each inside "
            "[align.start, align.stop] on bin edges (e.g. baseline:-0.4:0, response:0.1:0.5); "
            "names unique, of letters, digits, '_', '-', '.'; empty: " +
                empty_meaning,
            std::move(help),
            [field](const JobSpec& s) {
                std::vector<std::string> items;
                for (const auto& w : field(s))
                    items.push_back(text::format_window(w));
                return text::join(items);
            },
            [field](JobSpec& s, const std::string& t, const fs::path&) {
                auto& out = field(s);
                out.clear();
                std::string problems;
                for (const auto& item : text::split_list(t)) {
                    std::string why;
                    if (auto w = text::to_window(item, why))
                        out.push_back(*w);
                    else
                        problems += (problems.empty() ? "" : "; ") + why;
                }
                return problems;
            }};
}

// A comma-separated list of names from a fixed vocabulary, mapped to enum values.
template <class E, class Field>
KeySpec choices_key(std::string name, std::string help,
                    std::vector<std::pair<std::string, E>> vocabulary, Field field) {
    std::vector<std::string> names;
    for (const auto& [n, v] : vocabulary)
        names.push_back(n);
    return {std::move(name), "comma-separated, from: " + text::join(names), std::move(help),
            [field, vocabulary](const JobSpec& s) {
                std::vector<std::string> items;
                for (const auto& v : field(s))
                    for (const auto& [n, e] : vocabulary)
                        if (e == v) items.push_back(n);
                return text::join(items);
            },
            [field, vocabulary](JobSpec& s, const std::string& t, const fs::path&) {
                auto& out = field(s);
                out.clear();
                std::string problems;
                for (const auto& item : text::split_list(t)) {
                    bool found = false;
                    for (const auto& [n, e] : vocabulary)
                        if (n == item) {
                            out.push_back(e);
                            found = true;
                        }
                    if (!found) problems += (problems.empty() ? "unknown: " : ", ") + item;
                }
                return problems;
            }};
}

// [coupling] (docs/ANALYSES.md §7).
void add_coupling_keys(std::vector<KeySpec>& k) {
    k.push_back(bool_key(
        "coupling.enabled",
        "fit coupled Poisson GLMs (stimulus, own history, coupling) per population",
        [](const JobSpec& s) { return s.coupling.enabled; },
        [](JobSpec& s, bool v) { s.coupling.enabled = v; }));
    k.push_back({"coupling.window",
                 "[name:]start:stop, seconds relative to the event, inside [align.start, "
                 "align.stop] on bin edges",
                 "the bins of each trial the GLM models (history does not reach before it)",
                 [](const JobSpec& s) { return text::format_window(s.coupling.window); },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     std::string why;
                     if (auto w = text::to_window(t, why, "coupling")) s.coupling.window = *w;
                     return why;
                 }});
    k.push_back(double_key(
        "coupling.bin", "GLM bin (s): align.bin_width bins are summed into it; 0: align.bin_width",
        "number >= 0, a whole number of align.bin_width", false,
        [](const JobSpec& s) { return s.coupling.bin; },
        [](JobSpec& s, double v) { s.coupling.bin = v; }));
    k.push_back(double_key(
        "coupling.history", "seconds of past counts the history and coupling filters span",
        "number > 0, a whole number (>= 2) of GLM bins", true,
        [](const JobSpec& s) { return s.coupling.history; },
        [](JobSpec& s, double v) { s.coupling.history = v; }));
    k.push_back(uint_key(
        "coupling.history_basis",
        "log-stretched raised-cosine functions spanning the history (GLMspiketools' "
        "makeBasis_PostSpike)",
        2, 20, [](const JobSpec& s) { return s.coupling.history_basis; },
        [](JobSpec& s, std::uint64_t v) {
            s.coupling.history_basis = static_cast<std::size_t>(v);
        }));
    k.push_back(uint_key(
        "coupling.stimulus_basis",
        "raised-cosine functions tiling the window, one set per condition (the stimulus drive)", 1,
        50, [](const JobSpec& s) { return s.coupling.stimulus_basis; },
        [](JobSpec& s, std::uint64_t v) {
            s.coupling.stimulus_basis = static_cast<std::size_t>(v);
        }));
    k.push_back({"coupling.lambdas", "comma-separated numbers >= 0",
                 "L2 penalties on the SUMMED log-likelihood (scikit-learn's PoissonRegressor "
                 "alpha = lambda / bins); one is chosen per unit and model by cross-validation",
                 [](const JobSpec& s) {
                     std::vector<std::string> items;
                     for (double v : s.coupling.lambdas)
                         items.push_back(text::format_double(v));
                     return text::join(items);
                 },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     std::vector<double> out;
                     std::string problems;
                     for (const auto& item : text::split_list(t)) {
                         std::string why;
                         const auto v = text::to_double(item, why);
                         if (!v)
                             problems += (problems.empty() ? "" : "; ") + why;
                         else if (!(*v >= 0) || !std::isfinite(*v))
                             problems += (problems.empty() ? "" : "; ") + item + " is not >= 0";
                         else
                             out.push_back(*v);
                     }
                     if (problems.empty() && out.empty()) problems = "give at least one value";
                     if (problems.empty()) s.coupling.lambdas = std::move(out);
                     return problems;
                 }});
    k.push_back(uint_key(
        "coupling.folds", "cross-validation folds over whole trials", 2, 100,
        [](const JobSpec& s) { return s.coupling.folds; },
        [](JobSpec& s, std::uint64_t v) { s.coupling.folds = static_cast<std::size_t>(v); }));
    k.push_back(uint_key(
        "coupling.max_units",
        "populations with more units are skipped (listed with the reason): the coupled fit "
        "costs units^3 (units fits of units x history_basis columns)",
        2, 10000, [](const JobSpec& s) { return s.coupling.max_units; },
        [](JobSpec& s, std::uint64_t v) { s.coupling.max_units = static_cast<std::size_t>(v); }));
    k.push_back(
        {"coupling.pairs",
         "'none', 'all', or comma-separated SOURCE>TARGET region pairs (e.g. VISp>LGd)",
         "region pairs whose target units are fitted with the source region's units' history as "
         "coupling covariates too (one item per session and pair, under "
         "/sessions/<s>/coupling_pairs/<source>__<target>); all: every ordered pair recorded in "
         "the same session; none: per-region coupling only",
         [](const JobSpec& s) {
             if (s.coupling.all_pairs) return std::string("all");
             if (s.coupling.pairs.empty()) return std::string("none");
             std::vector<std::string> items;
             for (const auto& [a, b] : s.coupling.pairs)
                 items.push_back(a + ">" + b);
             return text::join(items);
         },
         [](JobSpec& s, const std::string& t, const fs::path&) {
             auto& c = s.coupling;
             c.pairs.clear();
             c.all_pairs = t == "all";
             if (c.all_pairs || t == "none") return std::string();
             std::string problems;
             for (const auto& item : text::split_list(t)) {
                 const auto gt = item.find('>');
                 std::string a = gt == std::string::npos ? "" : text::trim(item.substr(0, gt));
                 std::string b = gt == std::string::npos ? "" : text::trim(item.substr(gt + 1));
                 const auto why = a.empty() || b.empty() ? "'" + item + "' is not SOURCE>TARGET"
                                  : a == b               ? "'" + item + "': source = target"
                                                         : std::string();
                 if (why.empty() && std::find(c.pairs.begin(), c.pairs.end(),
                                              std::make_pair(a, b)) != c.pairs.end())
                     problems += (problems.empty() ? "" : "; ") + ("'" + item + "' listed twice");
                 else if (!why.empty())
                     problems += (problems.empty() ? "" : "; ") + why;
                 else
                     c.pairs.emplace_back(std::move(a), std::move(b));
             }
             if (problems.empty() && c.pairs.empty()) problems = "no pair given";
             return problems;
         }});
}

// [interactions] (docs/ANALYSES.md §7).
void add_interactions_keys(std::vector<KeySpec>& k) {
    k.push_back(bool_key(
        "interactions.enabled",
        "communication subspace (reduced-rank regression) for every ordered region pair of a "
        "session",
        [](const JobSpec& s) { return s.interactions.enabled; },
        [](JobSpec& s, bool v) { s.interactions.enabled = v; }));
    k.push_back(
        {"interactions.pairs",
         "'all', or comma-separated SOURCE>TARGET region pairs (e.g. VISp>CA1, CA1>VISp)",
         "ordered region pairs (source predicts target); all: every ordered pair of regions "
         "recorded in the same session",
         [](const JobSpec& s) {
             if (s.interactions.all_pairs) return std::string("all");
             std::vector<std::string> items;
             for (const auto& [a, b] : s.interactions.pairs)
                 items.push_back(a + ">" + b);
             return text::join(items);
         },
         [](JobSpec& s, const std::string& t, const fs::path&) {
             auto& in = s.interactions;
             in.pairs.clear();
             in.all_pairs = t == "all";
             if (in.all_pairs) return std::string();
             std::string problems;
             for (const auto& item : text::split_list(t)) {
                 const auto gt = item.find('>');
                 std::string a = gt == std::string::npos ? "" : text::trim(item.substr(0, gt));
                 std::string b = gt == std::string::npos ? "" : text::trim(item.substr(gt + 1));
                 const auto why = a.empty() || b.empty() ? "'" + item + "' is not SOURCE>TARGET"
                                  : a == b               ? "'" + item + "': source = target"
                                                         : std::string();
                 if (why.empty() && std::find(in.pairs.begin(), in.pairs.end(),
                                              std::make_pair(a, b)) != in.pairs.end())
                     problems += (problems.empty() ? "" : "; ") + ("'" + item + "' listed twice");
                 else if (!why.empty())
                     problems += (problems.empty() ? "" : "; ") + why;
                 else
                     in.pairs.emplace_back(std::move(a), std::move(b));
             }
             if (problems.empty() && in.pairs.empty()) problems = "no pair given";
             return problems;
         }});
    k.push_back({"interactions.window",
                 "[name:]start:stop, seconds relative to the event, inside [align.start, "
                 "align.stop] on bin edges; spikes are summed over it per trial",
                 "the window of single-trial counts both regions are compared on",
                 [](const JobSpec& s) { return text::format_window(s.interactions.window); },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     std::string why;
                     if (auto w = text::to_window(t, why, "interactions"))
                         s.interactions.window = *w;
                     return why;
                 }});
    k.push_back(bool_key(
        "interactions.residuals",
        "subtract each condition's mean count from every trial (trial-to-trial fluctuations "
        "only, as Semedo et al. 2019); false: raw window counts",
        [](const JobSpec& s) { return s.interactions.residuals; },
        [](JobSpec& s, bool v) { s.interactions.residuals = v; }));
    k.push_back(uint_key(
        "interactions.ranks",
        "largest rank of the reduced-rank curve (0 .. ranks; clipped to the units and trials)", 1,
        max_count, [](const JobSpec& s) { return s.interactions.ranks; },
        [](JobSpec& s, std::uint64_t v) { s.interactions.ranks = static_cast<std::size_t>(v); }));
    k.push_back(uint_key(
        "interactions.folds", "cross-validation folds over trials (shuffled, not stratified)", 2,
        max_count, [](const JobSpec& s) { return s.interactions.folds; },
        [](JobSpec& s, std::uint64_t v) { s.interactions.folds = static_cast<std::size_t>(v); }));
    k.push_back(
        {"interactions.ridge_lambdas",
         "'default', or comma-separated numbers >= 0, largest (simplest model) first",
         "ridge penalties of the full-rank reference; default: d_max (1 - s) / s for s = 0.50, "
         "0.51, ..., 1.00 (d_max the largest eigenvalue of the z-scored source's Z^T Z)",
         [](const JobSpec& s) {
             if (s.interactions.ridge_lambdas.empty()) return std::string("default");
             std::vector<std::string> items;
             for (double v : s.interactions.ridge_lambdas)
                 items.push_back(text::format_double(v));
             return text::join(items);
         },
         [](JobSpec& s, const std::string& t, const fs::path&) {
             auto& out = s.interactions.ridge_lambdas;
             out.clear();
             if (t == "default") return std::string();
             std::string problems;
             for (const auto& item : text::split_list(t)) {
                 std::string why;
                 const auto v = text::to_double(item, why);
                 if (v && !(*v >= 0)) why = "must be >= 0";
                 if (why.empty())
                     out.push_back(*v);
                 else
                     problems += (problems.empty() ? "" : "; ") + item + ": " + why;
             }
             if (problems.empty() && out.empty()) problems = "no value given";
             return problems;
         }});
    k.push_back(bool_key(
        "interactions.within_area",
        "also predict one random half of the target's units from another of the source's size",
        [](const JobSpec& s) { return s.interactions.within_area; },
        [](JobSpec& s, bool v) { s.interactions.within_area = v; }));
    k.push_back(uint_key(
        "interactions.permutations",
        "null of the peak performance: target trials shuffled within each condition (0: none)", 0,
        max_count, [](const JobSpec& s) { return s.interactions.permutations; },
        [](JobSpec& s, std::uint64_t v) {
            s.interactions.permutations = static_cast<std::size_t>(v);
        }));
    k.push_back(uint_key(
        "interactions.folds_per_item",
        "folds per work item: 0 (or >= folds) computes a pair's folds in its one item; otherwise "
        "blocks of this many folds (curves, ridge, within-area, null) run as separate items, so "
        "one session's pairs spread over more ranks (results unchanged)",
        0, max_count, [](const JobSpec& s) { return s.interactions.folds_per_item; },
        [](JobSpec& s, std::uint64_t v) {
            s.interactions.folds_per_item = static_cast<std::size_t>(v);
        }));
}

// One name from a fixed vocabulary, mapped to an enum value.
template <class E, class Field>
KeySpec one_choice_key(std::string name, std::string help,
                       std::vector<std::pair<std::string, E>> vocabulary, Field field) {
    std::vector<std::string> names;
    for (const auto& [n, v] : vocabulary)
        names.push_back(n);
    return {std::move(name), "one of: " + text::join(names), std::move(help),
            [field, vocabulary](const JobSpec& s) {
                for (const auto& [n, e] : vocabulary)
                    if (e == field(s)) return n;
                return std::string();
            },
            [field, vocabulary](JobSpec& s, const std::string& t, const fs::path&) {
                const auto item = text::trim(t);
                for (const auto& [n, e] : vocabulary)
                    if (n == item) {
                        field(s) = e;
                        return std::string();
                    }
                return "unknown: " + item;
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
    k.push_back(bool_key(
        "data.strict",
        "refuse a session whose spike times decrease within a unit; false: count the inversions, "
        "warn once per file and sort on read (sorting loses nothing)",
        [](const JobSpec& s) { return s.data.strict; },
        [](JobSpec& s, bool v) { s.data.strict = v; }));
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
    // [trials]
    k.push_back({"trials.where",
                 "conditions on /intervals/trials columns joined by 'and': COL in (a, b), COL "
                 "not in (a, b), COL == v, COL != v, COL < x, <=, >, >= (numeric columns); "
                 "values bare or 'quoted'; empty: every trial",
                 "which trials are binned (the others are not binned, and counted as "
                 "filtered_out)",
                 [](const JobSpec& s) { return s.trials.where; },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     std::string why;
                     if (!parse_trial_filter(t, why)) return why;
                     s.trials.where = text::trim(t);
                     return std::string();
                 }});
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
    k.push_back(uint_key(
        "run.max_item_mb",
        "memory one work item may need, in MB; a job with a larger item (e.g. from a tiny "
        "align.bin_width) is refused before any work, with the figures; 0: min(4096, physical "
        "memory / 4) of the node that checks the job",
        0, 1'000'000'000, [](const JobSpec& s) { return s.run.max_item_mb; },
        [](JobSpec& s, std::uint64_t v) { s.run.max_item_mb = v; }));
    k.push_back(uint_key(
        "run.cache_mb",
        "binned populations each rank keeps in memory, in MB, so a population's analyses read "
        "its counts once per rank (results do not depend on it); 0: physical memory / (8 x "
        "ranks on the node), at most 8192",
        0, 1'000'000'000, [](const JobSpec& s) { return s.run.cache_mb; },
        [](JobSpec& s, std::uint64_t v) { s.run.cache_mb = v; }));
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
    k.push_back(windows_key(
        "pca.windows", "time windows analysed separately", "the whole aligned window, named all",
        [](auto& s) -> auto& { return s.pca.windows; }));
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
    // [decode]
    k.push_back(bool_key(
        "decode.enabled", "run time-resolved cross-validated decoding on every population",
        [](const JobSpec& s) { return s.decode.enabled; },
        [](JobSpec& s, bool v) { s.decode.enabled = v; }));
    k.push_back({"decode.targets",
                 "comma-separated /intervals/trials columns (string or numeric), each optionally "
                 "with a class subset after ':' separated by '|' (e.g. stimulus_ID, "
                 "stimulus_ID:car|face); numeric columns with decoder = ridge are regressed",
                 "what to decode",
                 [](const JobSpec& s) {
                     std::vector<std::string> items;
                     for (const auto& t : s.decode.targets)
                         items.push_back(t.classes.empty()
                                             ? t.column
                                             : t.column + ":" + text::join(t.classes, "|"));
                     return text::join(items);
                 },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     s.decode.targets.clear();
                     std::string problems;
                     for (const auto& item : text::split_list(t)) {
                         DecodeSection::Target target;
                         const auto colon = item.find(':');
                         target.column = text::trim(item.substr(0, colon));
                         if (colon != std::string::npos)
                             target.classes = text::split_list(item.substr(colon + 1), '|');
                         if (target.column.empty() ||
                             (colon != std::string::npos && target.classes.size() < 2))
                             problems += (problems.empty() ? "" : "; ") +
                                         ("'" + item +
                                          "': a column name, then optionally ':' and 2 or more "
                                          "classes");
                         s.decode.targets.push_back(std::move(target));
                     }
                     return problems;
                 }});
    k.push_back({"decode.decoder",
                 "logistic (multinomial, L2, unpenalised intercept), lda (Ledoit-Wolf "
                 "shrinkage) or ridge (numeric targets, scored by R^2)",
                 "the decoder",
                 [](const JobSpec& s) {
                     switch (s.decode.decoder) {
                     case kernels::DecoderKind::Lda:
                         return std::string("lda");
                     case kernels::DecoderKind::Ridge:
                         return std::string("ridge");
                     default:
                         return std::string("logistic");
                     }
                 },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     const auto v = text::trim(t);
                     if (v == "logistic")
                         s.decode.decoder = kernels::DecoderKind::Logistic;
                     else if (v == "lda")
                         s.decode.decoder = kernels::DecoderKind::Lda;
                     else if (v == "ridge")
                         s.decode.decoder = kernels::DecoderKind::Ridge;
                     else
                         return std::string("unknown decoder");
                     return std::string();
                 }});
    k.push_back(double_key(
        "decode.C", "logistic: inverse L2 regularisation strength (scikit-learn's C)", "number > 0",
        true, [](const JobSpec& s) { return s.decode.C; },
        [](JobSpec& s, double v) { s.decode.C = v; }));
    k.push_back(double_key(
        "decode.alpha", "ridge: L2 regularisation strength", "number > 0", true,
        [](const JobSpec& s) { return s.decode.alpha; },
        [](JobSpec& s, double v) { s.decode.alpha = v; }));
    k.push_back(uint_key(
        "decode.folds", "stratified cross-validation folds", 2, 1000,
        [](const JobSpec& s) { return s.decode.folds; },
        [](JobSpec& s, std::uint64_t v) { s.decode.folds = static_cast<std::size_t>(v); }));
    k.push_back(uint_key(
        "decode.repeats", "repeats of the k-fold split with fresh folds, pooled", 1, 1000,
        [](const JobSpec& s) { return s.decode.repeats; },
        [](JobSpec& s, std::uint64_t v) { s.decode.repeats = static_cast<std::size_t>(v); }));
    k.push_back(windows_key(
        "decode.windows", "time windows whose summed counts are decoded (instead of every bin)",
        "every bin of the aligned window", [](auto& s) -> auto& { return s.decode.windows; }));
    k.push_back(bool_key(
        "decode.generalization", "temporal generalisation matrix [train time, test time]",
        [](const JobSpec& s) { return s.decode.generalization; },
        [](JobSpec& s, bool v) { s.decode.generalization = v; }));
    k.push_back(uint_key(
        "decode.permutations", "permutation-null draws (0: no null, no p-values)", 0, max_count,
        [](const JobSpec& s) { return s.decode.permutations; },
        [](JobSpec& s, std::uint64_t v) { s.decode.permutations = static_cast<std::size_t>(v); }));
    k.push_back(uint_key(
        "decode.permutations_per_item",
        "permutations per work item, so the null spreads over ranks (results do not depend on "
        "it)",
        1, max_count, [](const JobSpec& s) { return s.decode.permutations_per_item; },
        [](JobSpec& s, std::uint64_t v) {
            s.decode.permutations_per_item = static_cast<std::size_t>(v);
        }));
    k.push_back(uint_key(
        "decode.null_batch",
        "permutations of a null item solved together, bounding its memory (ridge: one "
        "decomposition per fold and time shared by the batch, 8 x (1 + repeats x times) x "
        "trials bytes per permutation; 0: the whole item; results do not depend on it)",
        0, max_count, [](const JobSpec& s) { return s.decode.null_batch; },
        [](JobSpec& s, std::uint64_t v) { s.decode.null_batch = static_cast<std::size_t>(v); }));
    // [geometry]
    k.push_back(bool_key(
        "geometry.enabled", "run representational geometry on every population",
        [](const JobSpec& s) { return s.geometry.enabled; },
        [](JobSpec& s, bool v) { s.geometry.enabled = v; }));
    k.push_back({"geometry.conditions",
                 "comma-separated condition sets, each one or more /intervals/trials columns "
                 "joined by '*' (e.g. stimulus_ID, stimulus_ID*stimulus_position)",
                 "the conditions whose geometry is measured",
                 [](const JobSpec& s) {
                     std::vector<std::string> items;
                     for (const auto& set : s.geometry.conditions)
                         items.push_back(text::join(set, "*"));
                     return text::join(items);
                 },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     s.geometry.conditions.clear();
                     for (const auto& item : text::split_list(t))
                         s.geometry.conditions.push_back(text::split_list(item, '*'));
                     return std::string();
                 }});
    k.push_back(windows_key(
        "geometry.windows", "time windows whose summed counts are analysed",
        "the whole aligned window, named all",
        [](auto& s) -> auto& { return s.geometry.windows; }));
    k.push_back(choices_key<RdmMeasure>(
        "geometry.rdms", "RDM measures",
        {{"euclidean", RdmMeasure::Euclidean},
         {"correlation", RdmMeasure::Correlation},
         {"crossnobis", RdmMeasure::Crossnobis}},
        [](auto& s) -> auto& { return s.geometry.rdms; }));
    k.push_back(uint_key(
        "geometry.folds", "crossnobis: folds of each condition's trials", 2, 1000,
        [](const JobSpec& s) { return s.geometry.folds; },
        [](JobSpec& s, std::uint64_t v) { s.geometry.folds = static_cast<std::size_t>(v); }));
    k.push_back({"geometry.models",
                 "comma-separated /intervals/trials columns; each gives a model RDM with 0 where "
                 "two conditions share the column's value and 1 where they differ",
                 "model RDMs compared with the data RDMs",
                 [](const JobSpec& s) { return text::join(s.geometry.model_columns); },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     s.geometry.model_columns = text::split_list(t);
                     return std::string();
                 }});
    k.push_back({"geometry.model_file",
                 "a CSV file: one model per line, 'name, d_01, d_02, ..., d_12, ...' (upper "
                 "triangle, conditions sorted by label); relative paths from the job file's "
                 "folder; empty: none",
                 "model RDMs from a file", [](const JobSpec& s) { return s.geometry.model_file; },
                 [](JobSpec& s, const std::string& t, const fs::path& base) {
                     const auto p = text::trim(t);
                     s.geometry.model_file = p.empty() ? std::string() : resolve(p, base);
                     return std::string();
                 }});
    k.push_back(choices_key<kernels::RdmComparison>(
        "geometry.compare", "how data and model RDMs are compared",
        {{"spearman", kernels::RdmComparison::Spearman},
         {"kendall_tau_a", kernels::RdmComparison::KendallTauA},
         {"cosine", kernels::RdmComparison::Cosine},
         {"whitened_cosine", kernels::RdmComparison::WhitenedCosine}},
        [](auto& s) -> auto& { return s.geometry.compare; }));
    k.push_back(uint_key(
        "geometry.permutations", "condition-label permutations per RDM comparison (0: no p)", 0,
        max_count, [](const JobSpec& s) { return s.geometry.permutations; },
        [](JobSpec& s, std::uint64_t v) {
            s.geometry.permutations = static_cast<std::size_t>(v);
        }));
    k.push_back({"geometry.shots",
                 "comma-separated whole numbers >= 1 (e.g. 1, 2, 5, 10); each must be below "
                 "every condition's trial count",
                 "training samples per class of the few-shot prototype classifier",
                 [](const JobSpec& s) {
                     std::vector<std::string> items;
                     for (int m : s.geometry.shots)
                         items.push_back(std::to_string(m));
                     return text::join(items);
                 },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     s.geometry.shots.clear();
                     std::string problems;
                     for (const auto& item : text::split_list(t)) {
                         std::string why;
                         if (auto v = text::to_uint(item, 1, max_count, why))
                             s.geometry.shots.push_back(static_cast<int>(*v));
                         else
                             problems += (problems.empty() ? "" : "; ") + item + ": " + why;
                     }
                     return problems;
                 }});
    k.push_back(uint_key(
        "geometry.episodes", "few-shot episodes per condition pair and shot count (0: none)", 0,
        max_count, [](const JobSpec& s) { return s.geometry.episodes; },
        [](JobSpec& s, std::uint64_t v) { s.geometry.episodes = static_cast<std::size_t>(v); }));
    // [models]
    k.push_back(bool_key(
        "models.enabled", "compare every population with a network's layers (docs/MODELS.md)",
        [](const JobSpec& s) { return s.models.enabled; },
        [](JobSpec& s, bool v) { s.models.enabled = v; }));
    k.push_back({"models.file",
                 "an HDF5 file in the layout of docs/MODELS.md; relative paths from the job "
                 "file's folder",
                 "the network's layer activations", [](const JobSpec& s) { return s.models.file; },
                 [](JobSpec& s, const std::string& t, const fs::path& base) {
                     const auto p = text::trim(t);
                     s.models.file = p.empty() ? std::string() : resolve(p, base);
                     return std::string();
                 }});
    k.push_back({"models.column", "an /intervals/trials column",
                 "the trials column whose values the file's /stimuli labels are",
                 [](const JobSpec& s) { return s.models.column; },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     s.models.column = text::trim(t);
                     return std::string();
                 }});
    k.push_back({"models.layers", "comma-separated layer names; empty: every layer",
                 "the layers compared, in this order",
                 [](const JobSpec& s) { return text::join(s.models.layers); },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     s.models.layers = text::split_list(t);
                     return std::string();
                 }});
    k.push_back(choices_key<ModelMeasure>(
        "models.measures", "what is computed per population and layer",
        {{"cka", ModelMeasure::Cka},
         {"debiased_cka", ModelMeasure::DebiasedCka},
         {"rsa", ModelMeasure::Rsa},
         {"geometry", ModelMeasure::Geometry},
         {"capacity", ModelMeasure::Capacity}},
        [](auto& s) -> auto& { return s.models.measures; }));
    k.push_back(choices_key<kernels::RdmComparison>(
        "models.compare", "how the brain RDM and a layer's RDM are compared (rsa)",
        {{"spearman", kernels::RdmComparison::Spearman},
         {"kendall_tau_a", kernels::RdmComparison::KendallTauA},
         {"cosine", kernels::RdmComparison::Cosine},
         {"whitened_cosine", kernels::RdmComparison::WhitenedCosine}},
        [](auto& s) -> auto& { return s.models.compare; }));
    k.push_back(uint_key(
        "models.permutations", "stimulus-label permutations per RSA score (0: no p)", 0, max_count,
        [](const JobSpec& s) { return s.models.permutations; },
        [](JobSpec& s, std::uint64_t v) { s.models.permutations = static_cast<std::size_t>(v); }));
    k.push_back(uint_key(
        "models.bootstrap", "resamples of sessions and of animals for the best layer's interval", 1,
        max_count, [](const JobSpec& s) { return s.models.bootstrap; },
        [](JobSpec& s, std::uint64_t v) { s.models.bootstrap = static_cast<std::size_t>(v); }));
    k.push_back({"models.window",
                 "[name:]start:stop, seconds relative to the event, inside [align.start, "
                 "align.stop] on bin edges",
                 "the window whose summed counts give each stimulus's mean response",
                 [](const JobSpec& s) { return text::format_window(s.models.window); },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     std::string why;
                     if (auto w = text::to_window(t, why, "models")) s.models.window = *w;
                     return why;
                 }});
    k.push_back(one_choice_key<RdmMeasure>(
        "models.rdm", "the brain RDM",
        {{"correlation", RdmMeasure::Correlation}, {"crossnobis", RdmMeasure::Crossnobis}},
        [](auto& s) -> auto& { return s.models.rdm; }));
    k.push_back(one_choice_key<RdmMeasure>(
        "models.layer_rdm", "each layer's RDM",
        {{"euclidean", RdmMeasure::Euclidean}, {"correlation", RdmMeasure::Correlation}},
        [](auto& s) -> auto& { return s.models.layer_rdm; }));
    k.push_back(uint_key(
        "models.folds", "crossnobis: folds of each stimulus's trials", 2, 1000,
        [](const JobSpec& s) { return s.models.folds; },
        [](JobSpec& s, std::uint64_t v) { s.models.folds = static_cast<std::size_t>(v); }));
    k.push_back(uint_key(
        "models.layers_per_item",
        "layers per work item, so large networks spread over ranks (results do not depend on it)",
        1, max_count, [](const JobSpec& s) { return s.models.layers_per_item; },
        [](JobSpec& s, std::uint64_t v) {
            s.models.layers_per_item = static_cast<std::size_t>(v);
        }));
    k.push_back({"models.manifold_column", "an /intervals/trials column; empty: none",
                 "the class of each stimulus (constant over its trials): the manifolds of the "
                 "geometry and capacity measures",
                 [](const JobSpec& s) { return s.models.manifold_column; },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     s.models.manifold_column = text::trim(t);
                     return std::string();
                 }});
    k.push_back({"models.shots",
                 "comma-separated whole numbers >= 1; values not below the smallest class's "
                 "stimulus count are left out (and listed in the results)",
                 "training stimuli per class of the few-shot prototype classifier (geometry)",
                 [](const JobSpec& s) {
                     std::vector<std::string> items;
                     for (int m : s.models.shots)
                         items.push_back(std::to_string(m));
                     return text::join(items);
                 },
                 [](JobSpec& s, const std::string& t, const fs::path&) {
                     s.models.shots.clear();
                     std::string problems;
                     for (const auto& item : text::split_list(t)) {
                         std::string why;
                         if (auto v = text::to_uint(item, 1, max_count, why))
                             s.models.shots.push_back(static_cast<int>(*v));
                         else
                             problems += (problems.empty() ? "" : "; ") + item + ": " + why;
                     }
                     return problems;
                 }});
    k.push_back(uint_key(
        "models.episodes", "few-shot episodes per class pair and shot count (0: none)", 0,
        max_count, [](const JobSpec& s) { return s.models.episodes; },
        [](JobSpec& s, std::uint64_t v) { s.models.episodes = static_cast<std::size_t>(v); }));
    k.push_back(uint_key(
        "models.capacity_samples", "Gaussian samples per manifold of the mean-field capacity", 1,
        max_count, [](const JobSpec& s) { return s.models.capacity_samples; },
        [](JobSpec& s, std::uint64_t v) {
            s.models.capacity_samples = static_cast<std::size_t>(v);
        }));
    k.push_back(bool_key(
        "models.centre_decorrelation",
        "remove the correlations between manifold centres before the mean-field capacity (mftma)",
        [](const JobSpec& s) { return s.models.centre_decorrelation; },
        [](JobSpec& s, bool v) { s.models.centre_decorrelation = v; }));
    k.push_back(uint_key(
        "models.dichotomies",
        "simulation capacity: random dichotomies per tested dimension (0: no simulation)", 0,
        max_count, [](const JobSpec& s) { return s.models.dichotomies; },
        [](JobSpec& s, std::uint64_t v) { s.models.dichotomies = static_cast<std::size_t>(v); }));
    // [pseudo]
    k.push_back(bool_key(
        "pseudo.enabled", "pool each region's units across sessions into pseudo-populations",
        [](const JobSpec& s) { return s.pseudo.enabled; },
        [](JobSpec& s, bool v) { s.pseudo.enabled = v; }));
    k.push_back(
        {"pseudo.regions", "comma-separated regions; empty: every region data.regions selects",
         "the regions pooled", [](const JobSpec& s) { return text::join(s.pseudo.regions); },
         [](JobSpec& s, const std::string& t, const fs::path&) {
             s.pseudo.regions = text::split_list(t);
             return std::string();
         }});
    k.push_back(uint_key(
        "pseudo.min_units", "a session contributes a region only with at least this many units", 1,
        max_count, [](const JobSpec& s) { return s.pseudo.min_units; },
        [](JobSpec& s, std::uint64_t v) { s.pseudo.min_units = static_cast<std::size_t>(v); }));
    k.push_back(uint_key(
        "pseudo.min_trials",
        "a session contributes only with at least this many trials of every condition; sessions "
        "with fewer are excluded and listed",
        2, max_count, [](const JobSpec& s) { return s.pseudo.min_trials; },
        [](JobSpec& s, std::uint64_t v) { s.pseudo.min_trials = static_cast<std::size_t>(v); }));
    k.push_back(uint_key(
        "pseudo.trials",
        "trials drawn per condition from each session in every resample (fewer when a "
        "contributing session's smallest condition has fewer; the number used is recorded)",
        1, max_count, [](const JobSpec& s) { return s.pseudo.trials; },
        [](JobSpec& s, std::uint64_t v) { s.pseudo.trials = static_cast<std::size_t>(v); }));
    k.push_back(uint_key(
        "pseudo.resamples", "pseudo-populations drawn per region (R)", 1, max_count,
        [](const JobSpec& s) { return s.pseudo.resamples; },
        [](JobSpec& s, std::uint64_t v) { s.pseudo.resamples = static_cast<std::size_t>(v); }));
    k.push_back(uint_key(
        "pseudo.nulls",
        "null resamples with condition labels shuffled within each session before pooling (0: "
        "no p-values)",
        0, max_count, [](const JobSpec& s) { return s.pseudo.nulls; },
        [](JobSpec& s, std::uint64_t v) { s.pseudo.nulls = static_cast<std::size_t>(v); }));
    k.push_back(uint_key(
        "pseudo.nulls_per_item", "null resamples per work item (results do not depend on it)", 1,
        max_count, [](const JobSpec& s) { return s.pseudo.nulls_per_item; },
        [](JobSpec& s, std::uint64_t v) {
            s.pseudo.nulls_per_item = static_cast<std::size_t>(v);
        }));
    k.push_back(choices_key<PseudoAnalysis>(
        "pseudo.analyses", "analyses run on every pseudo-population, with their sections' settings",
        {{"decode", PseudoAnalysis::Decode},
         {"geometry", PseudoAnalysis::Geometry},
         {"pca", PseudoAnalysis::Pca},
         {"models", PseudoAnalysis::Models}},
        [](auto& s) -> auto& { return s.pseudo.analyses; }));
    k.push_back(bool_key(
        "pseudo.per_animal",
        "also pool each animal's sessions alone, for the cross-animal summary (mean over animals, "
        "bootstrap CI resampling animals, Fisher's combination)",
        [](const JobSpec& s) { return s.pseudo.per_animal; },
        [](JobSpec& s, bool v) { s.pseudo.per_animal = v; }));
    k.push_back(uint_key(
        "pseudo.bootstrap", "bootstrap resamples of animals for the confidence interval", 1,
        max_count, [](const JobSpec& s) { return s.pseudo.bootstrap; },
        [](JobSpec& s, std::uint64_t v) { s.pseudo.bootstrap = static_cast<std::size_t>(v); }));
    add_coupling_keys(k);
    add_interactions_keys(k);
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
        {"trials", "which trials are binned"},
        {"conditions", "what defines a condition"},
        {"output", "where results go"},
        {"run", "execution"},
        {"pca", "principal component analysis"},
        {"cvpca", "cross-validated PCA spectrum"},
        {"fa", "factor analysis"},
        {"decode", "time-resolved cross-validated decoding"},
        {"geometry", "representational geometry and few-shot manifold geometry"},
        {"pseudo", "pseudo-populations pooled across sessions and animals"},
        {"coupling", "coupled Poisson GLM of each population"},
        {"interactions", "communication subspaces between regions (reduced-rank regression)"},
        {"models", "brain <-> network comparisons: CKA and RSA against layer activations"},
    };
    return sections;
}

const KeySpec* find_key(const std::string& name) {
    for (const auto& k : job_keys())
        if (k.name == name) return &k;
    return nullptr;
}

} // namespace neuropop::jobs::detail
