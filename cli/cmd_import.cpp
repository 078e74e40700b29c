// neuropop import: converts a spike sorter's output folder (Kilosort/phy, IBL ALF) and a trials
// table into an NWB file in the layout `neuropop generate` writes (io/nwb_writer.hpp), so the
// rest of neuropop reads it like any session. Reading is io/phy_import.cpp and
// io/alf_import.cpp; this file is the command line.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <boost/program_options.hpp>

#include "cli/commands.hpp"
#include "io/alf_import.hpp"
#include "io/errors.hpp"
#include "io/phy_import.hpp"

namespace neuropop::cli {

namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;

int usage_error(const std::string& message) {
    std::cerr << "neuropop import: " << message << " (see neuropop import --help)\n";
    return exit_bad_input;
}

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
}

bool is_hdf5(const std::string& file) {
    static const char signature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
    char head[8] = {};
    std::ifstream in(file, std::ios::binary);
    return in.read(head, 8) && std::equal(head, head + 8, signature);
}

const char* const overview =
    "usage: neuropop import phy DIR --trials TRIALS.csv --out SESSION.nwb [options]\n"
    "       neuropop import alf DIR --out SESSION.nwb [options]\n\n"
    "Converts spike-sorted data into one NWB file (units with spike times in seconds, unit id =\n"
    "cluster id, one electrode per unit whose location is the unit's region, and the trials\n"
    "table), which every other neuropop command reads. Malformed input: one line naming the\n"
    "file, the field and the rule, exit 2, nothing written.\n";

struct Common {
    std::string dir, out, trials, region, region_column, channel_regions;
    std::string subject = "unknown", session_id, session_start = "1970-01-01T00:00:00+00:00";
    bool force = false;
};

void add_common(po::options_description& opts, Common& c, bool trials_required) {
    // clang-format off
    opts.add_options()
        ("help,h", "print this help")
        ("out", po::value(&c.out), "NWB file to write [required]")
        ("trials", po::value(&c.trials),
         trials_required ? "trials table, CSV or TSV with a header: start_time, stop_time (s, on "
                           "the recording's clock), any other columns; numeric columns become "
                           "float64 (empty = NaN), the others strings [required]"
                         : "trials table (CSV/TSV as for phy) instead of the _ibl_trials.*.npy "
                           "files")
        ("region", po::value(&c.region), "one region for every unit")
        ("region-column", po::value(&c.region_column),
         trials_required ? "column of cluster_info.tsv holding each cluster's region"
                         : "clusters.<NAME>.npy attribute holding each cluster's region (default: "
                           "brainLocationAcronyms_ccf_2017 when present)")
        ("channel-regions", po::value(&c.channel_regions),
         trials_required ? "CSV channel,region; a cluster's channel is the ch column of "
                           "cluster_info.tsv"
                         : "CSV channel,region; a cluster's channel is clusters.channels.npy")
        ("subject", po::value(&c.subject)->default_value(c.subject), "subject id")
        ("session-id", po::value(&c.session_id),
         "session id; also the NWB identifier (default: the output file's name without .nwb)")
        ("session-start", po::value(&c.session_start)->default_value(c.session_start),
         "session start time, ISO 8601 with offset (the folders do not hold it)")
        ("force", po::bool_switch(&c.force),
         "replace SESSION.nwb when it is an HDF5 file (an earlier import), never an input");
    // clang-format on
}

// Shared checks; returns an exit code, or -1 to go on.
int check_common(const Common& c, io::RegionSource& regions, io::SessionMeta& meta,
                 const std::string& kind) {
    if (c.dir.empty()) return usage_error("import " + kind + ": DIR is required");
    if (c.out.empty()) return usage_error("import " + kind + ": --out SESSION.nwb is required");
    int sources = !c.region.empty() + !c.region_column.empty() + !c.channel_regions.empty();
    if (sources > 1)
        return usage_error("--region, --region-column and --channel-regions exclude each other");
    if (!c.force && fs::exists(c.out))
        return usage_error(c.out + " exists; pass --force to overwrite");
    if (fs::is_directory(c.out)) return usage_error(c.out + " is a folder");
    // --force replaces an earlier import, never an input: the folders' files and the tables
    // (.npy, .tsv, .csv, params.py) are not HDF5.
    if (c.force && fs::exists(c.out) && !is_hdf5(c.out))
        return usage_error(c.out + " exists and is not an HDF5 file; --force only replaces an "
                                   "earlier import (is it one of the inputs?)");
    regions.region = c.region;
    regions.column = c.region_column;
    regions.channel_regions = c.channel_regions;
    meta.subject_id = c.subject;
    meta.session_id = c.session_id;
    meta.session_start_time = c.session_start;
    meta.identifier = c.session_id.empty() ? fs::path(c.out).stem().string() : c.session_id;
    meta.source = kind + " folder " + c.dir;
    return -1;
}

int write(const Common& c, const io::ImportedSession& s) {
    io::write_nwb(c.out, s.nwb, s.spikes, c.force);
    std::set<std::string> regions(s.nwb.unit_regions.begin(), s.nwb.unit_regions.end());
    std::string names;
    for (const auto& r : regions)
        names += (names.empty() ? "" : ",") + r;
    for (const auto& n : s.notes)
        std::cout << "note: " << n << "\n";
    std::cout << "wrote " << c.out << " units=" << s.nwb.unit_ids.size()
              << " spikes=" << s.spikes.times.size() << " trials=" << s.nwb.trial_start.size()
              << " trial_columns=" << s.nwb.trial_columns.size() + 2 << " regions=" << names
              << "\n";
    return exit_ok;
}

// Parses `args` into `opts` with the folder as the one positional argument (c.dir). False when
// --help was asked for: the options and `example` are printed and the command is done.
bool parse_folder_args(const Args& args, const po::options_description& opts, Common& c,
                       const char* example) {
    po::options_description hidden;
    hidden.add_options()("dir", po::value(&c.dir));
    po::options_description all;
    all.add(opts).add(hidden);
    po::positional_options_description pos;
    pos.add("dir", 1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    if (vm.count("help")) {
        std::cout << opts << "\nexample:\n  " << example << "\n";
        return false;
    }
    po::notify(vm);
    return true;
}

int import_phy(const Args& args) {
    Common c;
    std::string groups = "good";
    po::options_description opts(
        "usage: neuropop import phy DIR --trials TRIALS.csv --out SESSION.nwb [options]\n\n"
        "Reads a Kilosort/phy folder: params.py (sample_rate), spike_times.npy (samples),\n"
        "spike_clusters.npy (or spike_templates.npy when there is no curation), and the cluster\n"
        "labels from cluster_group.tsv, else the group column of cluster_info.tsv, else\n"
        "cluster_KSLabel.tsv. Spike times in seconds = samples / sample_rate; units are the\n"
        "clusters whose label is in --groups, with unit id = cluster id. Without a region option\n"
        "every unit's region is 'unknown'.\n\noptions",
        100, 50);
    add_common(opts, c, true);
    opts.add_options()("groups", po::value(&groups)->default_value(groups),
                       "cluster labels to import, comma-separated (good, mua, noise, unsorted), "
                       "or 'all' (every cluster; no label table needed)");
    if (!parse_folder_args(args, opts, c,
                           "neuropop import phy ks_out/ --trials trials.csv --out m1_s1.nwb "
                           "--region-column brain_region --groups good,mua"))
        return exit_ok;
    io::PhyImportOptions o;
    o.dir = c.dir;
    if (int rc = check_common(c, o.regions, o.meta, "phy"); rc >= 0) return rc;
    if (c.trials.empty()) return usage_error("import phy: --trials TRIALS.csv is required");
    o.trials_file = c.trials;
    o.groups = split_list(groups);
    if (o.groups.empty()) return usage_error("--groups is empty");
    return write(c, io::read_phy(o));
}

int import_alf(const Args& args) {
    Common c;
    po::options_description opts(
        "usage: neuropop import alf DIR --out SESSION.nwb [options]\n\n"
        "Reads an IBL ALF probe folder (e.g. alf/probe00 given directly, or a folder holding\n"
        "the spikes files): spikes.times.npy (s), spikes.clusters.npy, clusters.<attr>.npy, and\n"
        "the trials from _ibl_trials.<attr>.npy in DIR or its parent (intervals [n,2] ->\n"
        "start_time/stop_time, every other 1-D attribute -> a column of the same name). Every\n"
        "cluster with spikes becomes a unit, unit id = cluster index. Not read: parquet tables\n"
        "(*.pqt), pickled object arrays, multi-column attributes other than intervals.\n\noptions",
        100, 50);
    add_common(opts, c, false);
    if (!parse_folder_args(args, opts, c, "neuropop import alf SESSION/alf/probe00 --out ibl.nwb"))
        return exit_ok;
    io::AlfImportOptions o;
    o.dir = c.dir;
    if (int rc = check_common(c, o.regions, o.meta, "alf"); rc >= 0) return rc;
    o.trials_file = c.trials;
    return write(c, io::read_alf(o));
}

} // namespace

int import_folder(const Args& args) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        (args.empty() ? std::cerr : std::cout)
            << overview
            << "\nneuropop import phy --help and neuropop import alf --help list the options.\n";
        return args.empty() ? exit_bad_input : exit_ok;
    }
    Args rest(args.begin() + 1, args.end());
    if (args[0] == "phy") return import_phy(rest);
    if (args[0] == "alf") return import_alf(rest);
    return usage_error("unknown format '" + args[0] + "' (phy or alf)");
}

} // namespace neuropop::cli
