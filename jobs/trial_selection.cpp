#include "jobs/trial_selection.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include "jobs/text_values.hpp"

namespace neuropop::jobs {

namespace {

// At most `limit` items, then how many more.
std::string some_of(const std::vector<std::string>& items, std::size_t limit) {
    std::vector<std::string> shown(
        items.begin(), items.begin() + static_cast<std::ptrdiff_t>(std::min(limit, items.size())));
    auto text = text::join(shown);
    if (items.size() > limit) text += " and " + std::to_string(items.size() - limit) + " more";
    return text;
}

} // namespace

TrialFilter job_filter(const JobSpec& spec) {
    std::string why;
    auto filter = parse_trial_filter(spec.trials.where, why);
    if (!filter) throw std::invalid_argument("trials.where: " + why);
    return *filter;
}

FilterOutcome filter_trials(const JobSpec& spec, const io::TrialsTable& trials) {
    const auto filter = job_filter(spec);
    try {
        return evaluate_filter(filter, trials);
    } catch (const std::invalid_argument&) {
        FilterOutcome all;
        all.keep.assign(trials.rows(), 1);
        return all;
    }
}

std::vector<std::size_t> binned_rows(const JobSpec& spec, const io::TrialsTable& trials) {
    std::vector<std::size_t> rows;
    const auto* event = trials.find(spec.align.event);
    if (event == nullptr || event->is_string) return rows;
    const auto outcome = filter_trials(spec, trials);
    for (std::size_t r = 0; r < trials.rows() && r < event->numbers.size(); ++r)
        if (outcome.keep[r] != 0 && std::isfinite(event->numbers[r])) rows.push_back(r);
    return rows;
}

void check_trial_filter(const JobSpec& spec,
                        const std::vector<std::pair<std::string, const io::TrialsTable*>>& tables,
                        std::vector<std::string>& problems) {
    const auto filter = job_filter(spec);
    for (const auto& c : filter.conditions) {
        const std::string head = "trials.where: '" + c.text + "': ";
        std::vector<std::string> lacking;
        std::map<std::string, std::vector<std::string>> mismatches; // why -> files
        std::set<std::string> seen;                                 // string values, all sessions
        bool any_string = false;
        for (const auto& [file, table] : tables) {
            const io::Column* column = table == nullptr ? nullptr : table->find(c.column);
            if (column == nullptr) {
                lacking.push_back(file);
                continue;
            }
            if (auto why = condition_mismatch(c, *column); !why.empty()) {
                mismatches[why].push_back(file);
                continue;
            }
            if (column->is_string) {
                any_string = true;
                seen.insert(column->strings.begin(), column->strings.end());
            }
        }
        if (!lacking.empty()) {
            std::set<std::string> names;
            for (const auto& [file, table] : tables)
                if (table != nullptr)
                    for (const auto& col : table->columns)
                        names.insert(col.name);
            problems.push_back(
                head + "no trials column '" + c.column + "' in " + std::to_string(lacking.size()) +
                " of " + std::to_string(tables.size()) + " sessions (" + some_of(lacking, 3) +
                "; columns: " + text::join(std::vector<std::string>(names.begin(), names.end())) +
                ")");
        }
        for (const auto& [why, files] : mismatches)
            problems.push_back(head + why + " in " + std::to_string(files.size()) + " of " +
                               std::to_string(tables.size()) + " sessions (" + some_of(files, 3) +
                               ")");
        if (!any_string || (c.op != FilterOp::In && c.op != FilterOp::Eq)) continue;
        for (const auto& v : c.values)
            if (seen.count(v.text) == 0)
                problems.push_back(head + "value '" + v.text + "' of " + c.column +
                                   " occurs in no session (values: " +
                                   some_of(std::vector<std::string>(seen.begin(), seen.end()), 20) +
                                   ")");
    }
}

} // namespace neuropop::jobs
