#include "io/alf_import.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "io/errors.hpp"
#include "io/npy.hpp"

namespace neuropop::io {

namespace {

namespace fs = std::filesystem;

// ALF file names are [_namespace_]object.attribute[_timescale][.extra...].npy. Returns
// attribute -> path for one object in one folder; an attribute present twice (two namespaces
// or extras) is refused rather than guessed.
std::map<std::string, std::string> alf_attributes(const std::string& dir,
                                                  const std::string& object) {
    std::map<std::string, std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (!e.is_regular_file()) continue;
        std::string name = e.path().filename().string();
        if (name.size() < 5 || name.compare(name.size() - 4, 4, ".npy") != 0) continue;
        std::string stem = name.substr(0, name.size() - 4);
        if (!stem.empty() && stem[0] == '_') {
            auto end = stem.find('_', 1);
            if (end == std::string::npos) continue;
            stem = stem.substr(end + 1);
        }
        if (stem.compare(0, object.size() + 1, object + ".") != 0) continue;
        std::string attr = stem.substr(object.size() + 1);
        attr = attr.substr(0, attr.find('.'));
        if (attr.empty()) continue;
        auto [it, fresh] = out.emplace(attr, e.path().string());
        if (!fresh) {
            std::string a = std::min(it->second, e.path().string()),
                        b = std::max(it->second, e.path().string());
            throw InputError(b, object + "." + attr,
                             "attribute also in " + a + " (one file per attribute is read)");
        }
    }
    return out;
}

std::string need(const std::map<std::string, std::string>& attrs, const std::string& dir,
                 const std::string& object, const std::string& attr) {
    auto it = attrs.find(attr);
    if (it == attrs.end())
        throw InputError((fs::path(dir) / (object + "." + attr + ".npy")).string(), "file",
                         "missing (an ALF probe folder holds it)");
    return it->second;
}

// Per-cluster values of a clusters.<attr>.npy (strings, or numbers as text) for the unit ids.
std::vector<std::string> cluster_values(const NpyArray& a, const std::vector<std::int64_t>& ids) {
    const std::size_t n = a.vector_length();
    std::vector<std::string> all;
    if (a.is_string()) {
        all = npy_strings(a);
    } else {
        for (std::int64_t v : npy_int64(a))
            all.push_back(std::to_string(v));
    }
    std::vector<std::string> out;
    for (std::int64_t id : ids) {
        if (static_cast<std::size_t>(id) >= n)
            throw InputError(a.file, "header/shape",
                             "cluster " + std::to_string(id) + " has no entry (" +
                                 std::to_string(n) + " entries)");
        out.push_back(all[static_cast<std::size_t>(id)]);
    }
    return out;
}

void read_trials(const AlfImportOptions& o, ImportedSession& s) {
    if (!o.trials_file.empty()) {
        trials_from_table(read_delimited(o.trials_file), s.nwb);
        return;
    }
    // Trials are per session, the spikes per probe: alf/_ibl_trials.* beside alf/probe00/.
    std::string where;
    std::map<std::string, std::string> attrs;
    for (const fs::path& d : {fs::path(o.dir), fs::path(o.dir).lexically_normal().parent_path()}) {
        if (d.empty() || !fs::is_directory(d)) continue;
        attrs = alf_attributes(d.string(), "trials");
        if (attrs.count("intervals")) {
            where = d.string();
            break;
        }
    }
    if (where.empty())
        throw InputError((fs::path(o.dir) / "_ibl_trials.intervals.npy").string(), "file",
                         "missing here and in the parent folder (or pass --trials FILE.csv)");
    NpyArray iv = read_npy(attrs.at("intervals"));
    if (iv.shape.size() != 2 || iv.shape[1] != 2 || iv.is_string())
        throw InputError(iv.file, "header/shape", "intervals must be numeric of shape (n, 2)");
    s.nwb.trial_start = npy_column(iv, 0);
    s.nwb.trial_stop = npy_column(iv, 1);
    const std::size_t n = s.nwb.trial_start.size();
    check_trial_times(iv.file, s.nwb.trial_start, s.nwb.trial_stop);
    for (const auto& [attr, file] : attrs) {
        if (attr == "intervals") continue;
        NpyArray a = read_npy(file);
        bool vector = a.shape.size() == 1 || (a.shape.size() == 2 && a.shape[1] == 1);
        if (!vector) {
            s.notes.push_back("not imported: " + file + " (not one value per trial)");
            continue;
        }
        if (a.vector_length() != n)
            throw InputError(file, "header/shape",
                             std::to_string(a.vector_length()) + " values, but " + iv.file +
                                 " has " + std::to_string(n) + " trials");
        check_trial_column_name(file, attr);
        if (attr == "start_time" || attr == "stop_time") {
            s.notes.push_back("not imported: " + file + " (start/stop come from intervals)");
            continue;
        }
        TableColumn c;
        c.name = attr;
        c.description = "imported from " + file;
        if (a.is_string())
            c.values = npy_strings(a);
        else
            c.values = npy_doubles(a);
        s.nwb.trial_columns.push_back(std::move(c));
    }
}

} // namespace

ImportedSession read_alf(const AlfImportOptions& o) {
    if (!fs::is_directory(o.dir)) throw InputError(o.dir, "folder", "not a folder");
    ImportedSession s;
    auto spikes = alf_attributes(o.dir, "spikes");
    NpyArray times_npy = read_npy(need(spikes, o.dir, "spikes", "times"));
    if (times_npy.kind != 'f')
        throw InputError(times_npy.file, "header/descr",
                         "unsupported dtype '" + times_npy.descr + "' (seconds as floats needed)");
    NpyArray clusters_npy = read_npy(need(spikes, o.dir, "spikes", "clusters"));
    if (clusters_npy.kind != 'i' && clusters_npy.kind != 'u')
        throw InputError(clusters_npy.file, "header/descr",
                         "unsupported dtype '" + clusters_npy.descr + "' (integers needed)");
    const std::size_t n = times_npy.vector_length();
    if (clusters_npy.vector_length() != n)
        throw InputError(clusters_npy.file, "header/shape",
                         std::to_string(clusters_npy.vector_length()) + " entries, but " +
                             times_npy.file + " has " + std::to_string(n) +
                             " (one cluster per spike is needed)");
    std::vector<double> times = npy_doubles(times_npy);
    std::vector<std::int64_t> clusters = npy_int64(clusters_npy);
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(times[i]))
            throw InputError(times_npy.file, "data",
                             "spike " + std::to_string(i) + " has a non-finite time");
        if (clusters[i] < 0)
            throw InputError(clusters_npy.file, "data",
                             "spike " + std::to_string(i) + " has a negative cluster");
    }
    std::set<std::int64_t> keep(clusters.begin(), clusters.end());
    build_units(times, clusters, keep, s);
    if (s.nwb.unit_ids.empty()) throw InputError(times_npy.file, "data", "no spikes");

    auto cl = alf_attributes(o.dir, "clusters");
    const RegionSource& r = o.regions;
    std::string column = r.column;
    if (column.empty() && r.region.empty() && r.channel_regions.empty() &&
        cl.count("brainLocationAcronyms_ccf_2017"))
        column = "brainLocationAcronyms_ccf_2017";
    if (!column.empty()) {
        auto it = cl.find(column);
        if (it == cl.end()) {
            std::string names;
            for (const auto& [a, f] : cl)
                names += (names.empty() ? "" : ", ") + a;
            throw InputError((fs::path(o.dir) / ("clusters." + column + ".npy")).string(), column,
                             "unknown region column: no such clusters attribute (present: " +
                                 (names.empty() ? std::string("none") : names) + ")");
        }
        NpyArray a = read_npy(it->second);
        s.nwb.unit_regions = cluster_values(a, s.nwb.unit_ids);
        for (std::size_t u = 0; u < s.nwb.unit_ids.size(); ++u)
            if (s.nwb.unit_regions[u].empty())
                throw InputError(a.file, column,
                                 "cluster " + std::to_string(s.nwb.unit_ids[u]) + " has no region");
    } else if (!r.channel_regions.empty()) {
        NpyArray a = read_npy(need(cl, o.dir, "clusters", "channels"));
        if (a.kind != 'i' && a.kind != 'u')
            throw InputError(a.file, "header/descr",
                             "unsupported dtype '" + a.descr + "' (channel numbers needed)");
        std::vector<std::string> text = cluster_values(a, s.nwb.unit_ids);
        std::map<std::int64_t, std::int64_t> channel;
        for (std::size_t u = 0; u < text.size(); ++u)
            channel[s.nwb.unit_ids[u]] = std::stoll(text[u]);
        s.nwb.unit_regions =
            regions_from_channels(s.nwb.unit_ids, channel, read_channel_regions(r.channel_regions),
                                  r.channel_regions, a.file);
    } else {
        s.nwb.unit_regions.assign(s.nwb.unit_ids.size(),
                                  r.region.empty() ? std::string("unknown") : r.region);
    }

    read_trials(o, s);
    fill_meta(o.meta, s.nwb);
    return s;
}

} // namespace neuropop::io
