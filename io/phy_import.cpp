#include "io/phy_import.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "io/errors.hpp"
#include "io/npy.hpp"

namespace neuropop::io {

namespace {

namespace fs = std::filesystem;

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string in_dir(const std::string& dir, const std::string& name) {
    return (fs::path(dir) / name).string();
}

// Integer npy (signed or unsigned) as int64; floats are refused because cluster ids and sample
// indices are counts.
void require_integer(const NpyArray& a) {
    if (a.kind != 'i' && a.kind != 'u')
        throw InputError(a.file, "header/descr",
                         "unsupported dtype '" + a.descr + "' (integers are needed)");
}

// cluster id -> row of a phy cluster table (column cluster_id, or id in older phy).
std::map<std::int64_t, std::size_t> cluster_rows(const DelimitedTable& t) {
    auto k = t.column("cluster_id");
    if (!k) k = t.column("id");
    if (!k) throw InputError(t.file, "cluster_id", "missing column 'cluster_id'");
    std::map<std::int64_t, std::size_t> out;
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        auto x = parse_number(t.rows[r][*k]);
        if (!x || *x != std::floor(*x) || std::fabs(*x) > 1e15)
            throw InputError(t.file, "cluster_id",
                             "line " + std::to_string(t.line_of_row[r]) + ": '" + t.rows[r][*k] +
                                 "' is not a cluster id");
        if (!out.emplace(static_cast<std::int64_t>(*x), r).second)
            throw InputError(t.file, "cluster_id",
                             "line " + std::to_string(t.line_of_row[r]) + ": cluster " +
                                 t.rows[r][*k] + " appears twice");
    }
    return out;
}

// The labels table: cluster_group.tsv (manual curation) first, then the group column of
// cluster_info.tsv, then Kilosort's own cluster_KSLabel.tsv.
struct Labels {
    std::string file;
    std::map<std::int64_t, std::string> by_cluster;
};

std::optional<Labels> read_labels(const std::string& dir) {
    const std::pair<const char*, const char*> candidates[] = {{"cluster_group.tsv", "group"},
                                                              {"cluster_info.tsv", "group"},
                                                              {"cluster_KSLabel.tsv", "KSLabel"}};
    for (auto [name, column] : candidates) {
        std::string file = in_dir(dir, name);
        if (!fs::exists(file)) continue;
        DelimitedTable t = read_delimited(file);
        auto k = t.column(column);
        if (!k && std::string(name) == "cluster_group.tsv") k = t.column("KSLabel");
        if (!k) {
            if (std::string(name) == "cluster_info.tsv") continue;
            throw InputError(file, column, std::string("missing column '") + column + "'");
        }
        Labels l{file, {}};
        for (auto [id, row] : cluster_rows(t))
            l.by_cluster[id] = lower(trim(t.rows[row][*k]));
        return l;
    }
    return std::nullopt;
}

} // namespace

double read_phy_sample_rate(const std::string& file) {
    std::ifstream in(file);
    if (!in) throw InputError(file, "file", "cannot open (a phy folder holds params.py)");
    std::string line;
    while (std::getline(in, line)) {
        std::string s = trim(line);
        if (s.compare(0, 11, "sample_rate") != 0) continue;
        std::string rest = trim(s.substr(11));
        if (rest.empty() || rest[0] != '=') continue;
        rest = trim(rest.substr(1));
        if (auto hash = rest.find('#'); hash != std::string::npos)
            rest = trim(rest.substr(0, hash));
        auto v = parse_number(rest);
        if (!v || !std::isfinite(*v) || *v <= 0)
            throw InputError(file, "sample_rate",
                             "'" + rest + "' is not a positive number (samples per second)");
        return *v;
    }
    throw InputError(file, "sample_rate", "missing sample_rate (e.g. sample_rate = 30000.0)");
}

ImportedSession read_phy(const PhyImportOptions& o) {
    if (!fs::is_directory(o.dir)) throw InputError(o.dir, "folder", "not a folder");
    ImportedSession s;
    const double rate = read_phy_sample_rate(in_dir(o.dir, "params.py"));

    NpyArray times_npy = read_npy(in_dir(o.dir, "spike_times.npy"));
    require_integer(times_npy);
    std::string clusters_file = in_dir(o.dir, "spike_clusters.npy");
    if (!fs::exists(clusters_file)) {
        clusters_file = in_dir(o.dir, "spike_templates.npy");
        if (!fs::exists(clusters_file))
            throw InputError(in_dir(o.dir, "spike_clusters.npy"), "file",
                             "missing (and no spike_templates.npy either)");
        s.notes.push_back("no spike_clusters.npy: units are Kilosort templates "
                          "(spike_templates.npy)");
    }
    NpyArray clusters_npy = read_npy(clusters_file);
    require_integer(clusters_npy);
    const std::size_t n = times_npy.vector_length();
    if (clusters_npy.vector_length() != n)
        throw InputError(clusters_file, "header/shape",
                         std::to_string(clusters_npy.vector_length()) + " entries, but " +
                             times_npy.file + " has " + std::to_string(n) +
                             " (one cluster per spike is needed)");
    std::vector<std::uint64_t> samples = npy_uint64(times_npy);
    std::vector<std::int64_t> clusters = npy_int64(clusters_npy);
    std::vector<double> times(n);
    for (std::size_t i = 0; i < n; ++i)
        times[i] = static_cast<double>(samples[i]) / rate;

    std::set<std::int64_t> present(clusters.begin(), clusters.end());
    std::set<std::int64_t> keep;
    const bool all = o.groups.size() == 1 && lower(o.groups[0]) == "all";
    if (all) {
        keep = present;
    } else {
        auto labels = read_labels(o.dir);
        if (!labels)
            throw InputError(in_dir(o.dir, "cluster_group.tsv"), "file",
                             "no cluster labels (cluster_group.tsv, cluster_info.tsv or "
                             "cluster_KSLabel.tsv) for --groups; pass --groups all to keep every "
                             "cluster");
        std::set<std::string> wanted;
        for (const auto& g : o.groups)
            wanted.insert(lower(g));
        for (std::int64_t id : present) {
            auto it = labels->by_cluster.find(id);
            if (it == labels->by_cluster.end())
                throw InputError(labels->file, "cluster_id",
                                 "cluster " + std::to_string(id) + " (in " + clusters_file +
                                     ") is missing from the group table");
            if (wanted.count(it->second)) keep.insert(id);
        }
    }
    build_units(times, clusters, keep, s);
    if (s.nwb.unit_ids.empty())
        throw InputError(clusters_file, "clusters",
                         "no cluster with spikes has a label in --groups");

    const RegionSource& r = o.regions;
    if (!r.column.empty() || !r.channel_regions.empty()) {
        std::string info_file = in_dir(o.dir, "cluster_info.tsv");
        if (!fs::exists(info_file))
            throw InputError(info_file, "file",
                             "missing: --region-column and --channel-regions read it");
        DelimitedTable info = read_delimited(info_file);
        auto rows = cluster_rows(info);
        const std::string col = r.column.empty() ? "ch" : r.column;
        auto k = info.column(col);
        if (!k) {
            std::string names;
            for (const auto& h : info.header)
                names += (names.empty() ? "" : ", ") + h;
            throw InputError(info_file, col,
                             r.column.empty()
                                 ? "missing column 'ch' (the channel of each cluster)"
                                 : "unknown region column '" + col + "' (columns: " + names + ")");
        }
        std::vector<std::string> values;
        for (std::int64_t id : s.nwb.unit_ids) {
            auto it = rows.find(id);
            if (it == rows.end())
                throw InputError(info_file, "cluster_id",
                                 "cluster " + std::to_string(id) + " has no row");
            values.push_back(trim(info.rows[it->second][*k]));
        }
        if (!r.column.empty()) {
            for (std::size_t u = 0; u < values.size(); ++u)
                if (values[u].empty())
                    throw InputError(info_file, col,
                                     "cluster " + std::to_string(s.nwb.unit_ids[u]) +
                                         " has no region");
            s.nwb.unit_regions = values;
        } else {
            std::map<std::int64_t, std::int64_t> channel;
            for (std::size_t u = 0; u < values.size(); ++u) {
                auto x = parse_number(values[u]);
                if (!x || *x != std::floor(*x))
                    throw InputError(info_file, "ch",
                                     "cluster " + std::to_string(s.nwb.unit_ids[u]) + ": '" +
                                         values[u] + "' is not a channel number");
                channel[s.nwb.unit_ids[u]] = static_cast<std::int64_t>(*x);
            }
            s.nwb.unit_regions = regions_from_channels(s.nwb.unit_ids, channel,
                                                       read_channel_regions(r.channel_regions),
                                                       r.channel_regions, info_file);
        }
    } else {
        s.nwb.unit_regions.assign(s.nwb.unit_ids.size(),
                                  r.region.empty() ? std::string("unknown") : r.region);
    }

    trials_from_table(read_delimited(o.trials_file), s.nwb);
    fill_meta(o.meta, s.nwb);
    return s;
}

} // namespace neuropop::io
