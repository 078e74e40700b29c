#include "io/import_session.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "io/errors.hpp"

namespace neuropop::io {

namespace {

std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

} // namespace

void build_units(const std::vector<double>& times, const std::vector<std::int64_t>& clusters,
                 const std::set<std::int64_t>& keep, ImportedSession& out) {
    std::map<std::int64_t, std::vector<double>> per_unit;
    for (std::size_t i = 0; i < times.size(); ++i)
        if (keep.count(clusters[i])) per_unit[clusters[i]].push_back(times[i]);
    std::size_t empty = 0;
    for (std::int64_t id : keep)
        empty += per_unit.count(id) == 0;
    out.spikes = {};
    out.nwb.unit_ids.clear();
    for (auto& [id, t] : per_unit) {
        std::sort(t.begin(), t.end());
        out.nwb.unit_ids.push_back(id);
        out.spikes.times.insert(out.spikes.times.end(), t.begin(), t.end());
        out.spikes.offsets.push_back(out.spikes.times.size());
    }
    if (empty > 0)
        out.notes.push_back(std::to_string(empty) +
                            " selected clusters have no spikes and were not written");
}

void check_trial_times(const std::string& file, const std::vector<double>& start,
                       const std::vector<double>& stop) {
    if (start.empty()) throw InputError(file, "start_time", "no trials");
    for (std::size_t i = 0; i < start.size(); ++i) {
        const std::string row = "trial " + std::to_string(i);
        if (!std::isfinite(start[i]))
            throw InputError(file, "start_time", row + ": start_time is not a finite number");
        if (!std::isfinite(stop[i]))
            throw InputError(file, "stop_time", row + ": stop_time is not a finite number");
        if (stop[i] < start[i])
            throw InputError(file, "stop_time",
                             row + ": stop_time " + number_text(stop[i]) + " < start_time " +
                                 number_text(start[i]));
        if (i > 0 && start[i] < start[i - 1])
            throw InputError(file, "start_time",
                             row + ": start_time " + number_text(start[i]) +
                                 " is before the previous trial's " + number_text(start[i - 1]) +
                                 " (trials must be in time order)");
    }
}

void check_trial_column_name(const std::string& file, const std::string& name) {
    if (name == "id" || name.find('/') != std::string::npos || name == "." || name == "..")
        throw InputError(file, name,
                         "column name '" + name +
                             "' cannot be a trials column (reserved, or holds '/')");
}

void trials_from_table(const DelimitedTable& t, NwbSession& out) {
    auto numbers = [&](const std::string& name, bool required) {
        std::vector<double> v;
        auto k = t.column(name);
        if (!k) {
            if (required) throw InputError(t.file, name, "missing column '" + name + "' (needed)");
            return v;
        }
        for (std::size_t r = 0; r < t.rows.size(); ++r) {
            const std::string& f = t.rows[r][*k];
            auto x = f.empty() ? std::optional<double>(std::nan("")) : parse_number(f);
            if (!x) {
                if (required)
                    throw InputError(t.file, name,
                                     "line " + std::to_string(t.line_of_row[r]) + ": '" + f +
                                         "' is not a number");
                return std::vector<double>{};
            }
            v.push_back(*x);
        }
        return v;
    };
    out.trial_start = numbers("start_time", true);
    out.trial_stop = numbers("stop_time", true);
    check_trial_times(t.file, out.trial_start, out.trial_stop);
    out.trial_columns.clear();
    for (const auto& name : t.header) {
        if (name == "start_time" || name == "stop_time") continue;
        check_trial_column_name(t.file, name);
        std::vector<std::string> raw = t.values(name);
        bool any = std::any_of(raw.begin(), raw.end(), [](const auto& s) { return !s.empty(); });
        std::vector<double> v = any ? numbers(name, false) : std::vector<double>{};
        TableColumn c;
        c.name = name;
        if (!v.empty()) {
            c.description = "imported from " + t.file + " (numeric; empty fields are NaN)";
            c.values = std::move(v);
        } else {
            c.description = "imported from " + t.file;
            c.values = std::move(raw);
        }
        out.trial_columns.push_back(std::move(c));
    }
}

std::map<std::int64_t, std::string> read_channel_regions(const std::string& file) {
    DelimitedTable t = read_delimited(file);
    auto channels = t.values("channel");
    auto regions = t.values("region");
    std::map<std::int64_t, std::string> out;
    for (std::size_t r = 0; r < channels.size(); ++r) {
        auto x = parse_number(channels[r]);
        if (!x || *x != std::floor(*x) || std::fabs(*x) > 1e15)
            throw InputError(file, "channel",
                             "line " + std::to_string(t.line_of_row[r]) + ": '" + channels[r] +
                                 "' is not a channel number");
        auto ch = static_cast<std::int64_t>(*x);
        if (!out.emplace(ch, regions[r]).second)
            throw InputError(file, "channel",
                             "line " + std::to_string(t.line_of_row[r]) + ": channel " +
                                 std::to_string(ch) + " appears twice");
    }
    return out;
}

std::vector<std::string> regions_from_channels(const std::vector<std::int64_t>& unit_ids,
                                               const std::map<std::int64_t, std::int64_t>& channel,
                                               const std::map<std::int64_t, std::string>& regions,
                                               const std::string& map_file,
                                               const std::string& channel_file) {
    std::vector<std::string> out;
    for (std::int64_t id : unit_ids) {
        auto c = channel.find(id);
        if (c == channel.end())
            throw InputError(channel_file, "ch",
                             "cluster " + std::to_string(id) + " has no channel");
        auto r = regions.find(c->second);
        if (r == regions.end() || r->second.empty())
            throw InputError(map_file, "region",
                             "channel " + std::to_string(c->second) + " (cluster " +
                                 std::to_string(id) + ") has no region");
        out.push_back(r->second);
    }
    return out;
}

void fill_meta(const SessionMeta& meta, NwbSession& out) {
    out.identifier = meta.identifier;
    out.session_id = meta.session_id;
    out.subject_id = meta.subject_id;
    out.session_start_time = meta.session_start_time;
    out.session_description = "imported from " + meta.source;
    out.units_description = "units imported from " + meta.source + " (unit id = cluster id)";
    out.device_description = "probe of the spike-sorted recording";
}

} // namespace neuropop::io
