#include "jobs/inventory.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "io/errors.hpp"
#include "io/h5_error.hpp"
#include "io/nwb_reader.hpp"
#include "jobs/decode_targets.hpp"
#include "jobs/geometry_checks.hpp"
#include "jobs/models_checks.hpp"
#include "jobs/text_values.hpp"
#include "jobs/trial_selection.hpp"

namespace neuropop::jobs {

namespace fs = std::filesystem;

namespace {

// Shorter file names in messages: relative to the current folder when the file is below it.
std::string display(const std::string& file) {
    std::error_code ec;
    const auto rel = fs::path(file).lexically_proximate(fs::current_path(ec));
    if (ec || rel.empty() || *rel.begin() == "..") return file;
    return rel.string();
}

std::string column_list(const io::TrialsTable& trials) {
    std::vector<std::string> names;
    for (const auto& c : trials.columns)
        names.push_back(c.name);
    return text::join(names);
}

// The reason a colnames entry was not loaded ("name: reason" in TrialsTable::skipped), or "".
std::string skipped_reason(const io::TrialsTable& trials, const std::string& name) {
    for (const auto& s : trials.skipped)
        if (s.compare(0, name.size() + 1, name + ":") == 0) return s.substr(name.size() + 1);
    return {};
}

std::string missing_column(const std::string& file, const io::TrialsTable& trials,
                           const std::string& column, const std::string& key) {
    const auto reason = skipped_reason(trials, column);
    if (!reason.empty())
        return file + ": /intervals/trials/" + column + ": cannot be used for " + key + " (" +
               text::trim(reason) + ")";
    return file + ": /intervals/trials: no column '" + column + "' for " + key +
           " (columns: " + column_list(trials) + ")";
}

// [decode] targets, judged on the trials that can be aligned (the only ones the bin item keeps),
// so a bad target stops the job before any work starts.
void check_decode_targets(const JobSpec& spec, const std::string& file,
                          const io::TrialsTable& trials, std::vector<std::string>& problems) {
    if (!spec.decode.enabled) return;
    const auto* event = trials.find(spec.align.event);
    std::vector<std::size_t> rows;
    if (event == nullptr || event->is_string) // reported by check_trials
        for (std::size_t r = 0; r < trials.rows(); ++r)
            rows.push_back(r);
    else
        rows = binned_rows(spec, trials);
    for (const auto& target : spec.decode.targets) {
        const auto* c = trials.find(target.column);
        if (c == nullptr) {
            const auto reason = skipped_reason(trials, target.column);
            problems.push_back(file + ": /intervals/trials/" + target.column + ": " +
                               (reason.empty()
                                    ? "no such column (columns: " + column_list(trials) + ")"
                                    : "cannot be used (" + text::trim(reason) + ")") +
                               " (decode.targets)");
            continue;
        }
        std::vector<std::string> rules;
        decode_labels(spec.decode, target, c->is_string, c->strings, c->numbers, rows, rules);
        for (const auto& rule : rules)
            problems.push_back(file + ": /intervals/trials/" + target.column + ": " + rule +
                               " (decode.targets)");
    }
}

void check_trials(const JobSpec& spec, const std::string& file, const io::SessionInfo& info,
                  std::vector<std::string>& problems) {
    if (!info.trials) {
        problems.push_back(file +
                           ": /intervals/trials: absent; the job aligns to the trials "
                           "column align.event = '" +
                           spec.align.event + "', so every session needs a trials table");
        return;
    }
    const auto& trials = *info.trials;
    if (trials.rows() == 0) {
        problems.push_back(file + ": /intervals/trials: no rows; the job aligns trials");
        return;
    }
    if (const auto* event = trials.find(spec.align.event); event == nullptr) {
        problems.push_back(missing_column(file, trials, spec.align.event, "align.event"));
    } else if (event->is_string) {
        problems.push_back(file + ": /intervals/trials/" + spec.align.event + ": " + event->dtype +
                           " column; align.event needs numeric times in seconds");
    } else if (std::none_of(event->numbers.begin(), event->numbers.end(),
                            [](double t) { return std::isfinite(t); })) {
        problems.push_back(file + ": /intervals/trials/" + spec.align.event +
                           ": no finite time in any row; no trial can be aligned");
    }
    for (const auto& column : spec.conditions.columns)
        if (trials.find(column) == nullptr)
            problems.push_back(missing_column(file, trials, column, "conditions.columns"));
    check_decode_targets(spec, file, trials, problems);
}

// Every file data.sessions names, each once (by canonical path), sorted.
std::vector<std::string> session_files(const JobSpec& spec, std::vector<std::string>& problems) {
    std::map<std::string, std::string> by_canonical;
    for (const auto& pattern : spec.data.sessions) {
        try {
            for (const auto& file : io::expand_session_paths({pattern})) {
                std::error_code ec;
                auto canonical = fs::weakly_canonical(file, ec);
                by_canonical.emplace(ec ? file : canonical.string(), file);
            }
        } catch (const io::InputError& e) {
            problems.push_back("data.sessions: " + std::string(e.what()));
        }
    }
    std::vector<std::string> files;
    for (auto& [canonical, file] : by_canonical)
        files.push_back(file);
    std::sort(files.begin(), files.end());
    return files;
}

void check_populations(const JobSpec& spec, const std::vector<SessionEntry>& sessions,
                       std::vector<std::string>& problems) {
    std::set<std::string> present;
    for (const auto& s : sessions)
        for (const auto& r : s.info.regions())
            present.insert(r);
    const std::vector<std::string> present_list(present.begin(), present.end());
    for (const auto& r : spec.data.regions)
        if (present.count(r) == 0)
            problems.push_back("data.regions: '" + r +
                               "' matches no unit in any session (regions present: " +
                               text::join(present_list) + ")");
    // A pair naming a region no session records is a typo, not an empty result.
    if (spec.interactions.enabled && !spec.interactions.all_pairs)
        for (const auto& [source, target] : spec.interactions.pairs)
            for (const auto* r : {&source, &target})
                if (present.count(*r) == 0 || !region_selected(spec, *r))
                    problems.push_back("interactions.pairs: '" + source + ">" + target +
                                       "': region '" + *r +
                                       "' is not a selected region of any session (regions "
                                       "present: " +
                                       text::join(present_list) + ")");
    std::size_t largest = 0;
    std::string largest_name;
    bool any_selected = false;
    for (const auto& s : sessions) {
        if (!s.regions.empty()) return;
        for (const auto& r : s.info.regions()) {
            if (!region_selected(spec, r)) continue;
            any_selected = true;
            if (const auto n = s.info.units_in(r).size(); n > largest) {
                largest = n;
                largest_name = s.key + "/" + r;
            }
        }
    }
    if (any_selected)
        problems.push_back("data.min_units = " + std::to_string(spec.data.min_units) +
                           ": no session-region in the selected regions has that many units "
                           "(largest: " +
                           largest_name + " with " + std::to_string(largest) + ")");
}

} // namespace

bool region_selected(const JobSpec& spec, const std::string& region) {
    const auto& wanted = spec.data.regions;
    return wanted.empty() || std::find(wanted.begin(), wanted.end(), region) != wanted.end();
}

std::vector<std::string> qualifying_regions(const JobSpec& spec, const io::SessionInfo& info) {
    std::vector<std::string> out;
    for (const auto& r : info.regions())
        if (region_selected(spec, r) && info.units_in(r).size() >= spec.data.min_units)
            out.push_back(r);
    return out;
}

std::vector<std::string> session_keys(const std::vector<std::string>& identifiers,
                                      const std::vector<std::string>& files) {
    std::vector<std::string> base(identifiers.size());
    for (std::size_t i = 0; i < identifiers.size(); ++i) {
        auto key = identifiers[i];
        if (key.empty() || key == "." || key == "..") key = fs::path(files.at(i)).stem().string();
        std::replace(key.begin(), key.end(), '/', '_');
        base[i] = key;
    }
    // A suffixed key must not take a name some other session holds as its own identifier.
    std::set<std::string> taken(base.begin(), base.end());
    std::set<std::string> used;
    std::vector<std::string> keys(base.size());
    for (std::size_t i = 0; i < base.size(); ++i) {
        if (used.insert(base[i]).second) {
            keys[i] = base[i];
            continue;
        }
        for (std::size_t n = 2;; ++n) {
            auto candidate = base[i] + "-" + std::to_string(n);
            if (taken.count(candidate) == 0 && used.insert(candidate).second) {
                keys[i] = std::move(candidate);
                break;
            }
        }
    }
    return keys;
}

InventoryResult check_inventory(const JobSpec& spec) {
    InventoryResult result;
    const auto files = session_files(spec, result.problems);
    // One streamed pass over the spike times (bounded memory): a file with non-finite spikes is
    // refused before any work, and the inversions within units, which the bin items sort, are
    // counted once per file for the warning and /inventory.
    io::ReadOptions options;
    options.scan_spikes = true;
    options.sort_unsorted_spikes = !spec.data.strict;
    std::vector<io::SessionInfo> infos;
    geometry::InventoryCheck geometry_check(spec, result.problems);
    models::InventoryCheck models_check(spec, result.problems);
    for (const auto& file : files) {
        const auto shown = display(file);
        try {
            io::NwbReader reader(file, options);
            if (const auto n = reader.info().spike_inversions; n > 0)
                result.warnings.push_back(shown + ": /units/spike_times: " + std::to_string(n) +
                                          " inversions within units; sorted on read (data.strict "
                                          "= true refuses)");
            check_trials(spec, shown, reader.info(), result.problems);
            geometry_check.session(shown, reader.info(), result.problems);
            models_check.session(shown, reader.info(), result.problems);
            infos.push_back(reader.info());
        } catch (const io::InputError& e) {
            result.problems.push_back(shown + ": " + e.path() + ": " + e.rule());
        } catch (const h5::Error& e) {
            result.problems.push_back(shown + ": " + e.what());
        }
    }
    std::vector<std::string> identifiers, opened;
    for (const auto& info : infos) {
        identifiers.push_back(info.identifier);
        opened.push_back(info.file);
    }
    const auto keys = session_keys(identifiers, opened);
    if (!spec.trials.where.empty()) {
        std::vector<std::pair<std::string, const io::TrialsTable*>> tables;
        for (const auto& info : infos)
            if (info.trials && info.trials->rows() > 0)
                tables.emplace_back(display(info.file), &*info.trials);
        check_trial_filter(spec, tables, result.problems);
    }
    for (std::size_t i = 0; i < infos.size(); ++i) {
        SessionEntry entry;
        entry.key = keys[i];
        entry.regions = qualifying_regions(spec, infos[i]);
        entry.info = std::move(infos[i]);
        result.sessions.push_back(std::move(entry));
    }
    std::sort(result.sessions.begin(), result.sessions.end(),
              [](const SessionEntry& a, const SessionEntry& b) { return a.key < b.key; });
    if (!result.sessions.empty()) check_populations(spec, result.sessions, result.problems);
    geometry_check.finish(result.problems);
    models_check.finish(result.problems);
    return result;
}

std::vector<SessionEntry> take_inventory(const JobSpec& spec) {
    auto result = check_inventory(spec);
    if (!result.problems.empty()) throw JobError(spec.job_file, "data", std::move(result.problems));
    return std::move(result.sessions);
}

} // namespace neuropop::jobs
