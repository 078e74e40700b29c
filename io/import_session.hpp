#pragma once
// What `neuropop import` builds from a spike sorter's folder before writing NWB: the session's
// content (io/nwb_writer.hpp), its spike trains, and notes for the user (what was left out).
// Shared by the phy and ALF readers: units from per-spike cluster ids, regions, the trials table.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "io/delimited_table.hpp"
#include "io/nwb_writer.hpp"
#include "kernels/binning.hpp"

namespace neuropop::io {

struct ImportedSession {
    NwbSession nwb;
    kernels::SpikeTrains spikes;
    std::vector<std::string> notes;
};

// Where unit regions come from (only one may be set; none: every unit is "unknown").
struct RegionSource {
    std::string region;          // --region NAME: every unit
    std::string column;          // --region-column COL: a per-cluster column or attribute
    std::string channel_regions; // --channel-regions FILE.csv: channel -> region
};

// Metadata the folders do not hold, from the command line.
struct SessionMeta {
    std::string identifier, subject_id = "unknown", session_id;
    std::string session_start_time = "1970-01-01T00:00:00+00:00";
    std::string source; // e.g. "phy folder /data/m1" (session_description)
};

// One unit per cluster of `keep` (ascending id) with at least one spike; unit ids are cluster
// ids and each unit's times are sorted. `times` and `clusters` have one entry per spike.
void build_units(const std::vector<double>& times, const std::vector<std::int64_t>& clusters,
                 const std::set<std::int64_t>& keep, ImportedSession& out);

// start_time, stop_time and every other column of a trials table (numeric columns, empty
// fields read as NaN, become float64; the others strings). Checks the trial order.
void trials_from_table(const DelimitedTable& table, NwbSession& out);

// Trials must be finite, in time order (start_time never decreasing) and stop >= start.
void check_trial_times(const std::string& file, const std::vector<double>& start,
                       const std::vector<double>& stop);

// A trials column name the NWB trials table can hold (not id, start/stop, no '/').
void check_trial_column_name(const std::string& file, const std::string& name);

// channel,region CSV (or TSV) -> map. InputError on a missing column or non-integer channel.
std::map<std::int64_t, std::string> read_channel_regions(const std::string& file);

// Region of each unit (by unit id) from its channel; InputError naming `map_file` when a
// channel has no region.
std::vector<std::string> regions_from_channels(const std::vector<std::int64_t>& unit_ids,
                                               const std::map<std::int64_t, std::int64_t>& channel,
                                               const std::map<std::int64_t, std::string>& regions,
                                               const std::string& map_file,
                                               const std::string& channel_file);

void fill_meta(const SessionMeta& meta, NwbSession& out);

} // namespace neuropop::io
