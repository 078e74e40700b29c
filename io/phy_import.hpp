#pragma once
// Reads a Kilosort/phy output folder (params.py, spike_times.npy, spike_clusters.npy or
// spike_templates.npy, cluster_group.tsv / cluster_info.tsv / cluster_KSLabel.tsv) and a trials
// table into an ImportedSession. Every malformed input is an io::InputError naming the file, the
// field and the rule.

#include <string>
#include <vector>

#include "io/import_session.hpp"

namespace neuropop::io {

struct PhyImportOptions {
    std::string dir;
    std::string trials_file;                 // CSV or TSV with start_time, stop_time, ...
    std::vector<std::string> groups{"good"}; // cluster labels kept; {"all"}: every cluster
    RegionSource regions;                    // column: a column of cluster_info.tsv
    SessionMeta meta;
};

// The sample_rate assignment of a params.py (Python; only that line is parsed).
double read_phy_sample_rate(const std::string& params_file);

ImportedSession read_phy(const PhyImportOptions& options);

} // namespace neuropop::io
