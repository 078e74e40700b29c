#pragma once
// The dataset inventory: every session the job names, opened for metadata only (no spike
// scan), and checked against the job before any work starts — alignment column, condition
// columns, region filter, population sizes. Every problem of every file is collected and raised
// together.

#include <string>
#include <vector>

#include "jobs/job_error.hpp"
#include "jobs/job_spec.hpp"
#include "jobs/plan.hpp"

namespace neuropop::jobs {

struct InventoryResult {
    std::vector<SessionEntry> sessions; // ordered by key; meaningful only without problems
    std::vector<std::string> problems;  // one line each: file, HDF5 path, what was wrong
    // One line per file whose data was repaired on read ("file: /units/spike_times: N
    // inversions within units; ..."), for the caller to print once.
    std::vector<std::string> warnings;
};

// Expands data.sessions, opens each file with io::NwbReader (metadata, plus one bounded scan of
// the spike times that counts the inversions within units, or refuses them under data.strict)
// and checks it:
// - the file has /intervals/trials with at least one row (jobs align to a trials column);
// - align.event is a numeric trials column with at least one finite time;
// - every conditions.columns entry is a trials column;
// - every data.regions entry names a region of some session;
// - at least one session-region has data.min_units units.
InventoryResult check_inventory(const JobSpec& spec);

// check_inventory, throwing JobError(job_file, "data", problems) when there are problems.
std::vector<SessionEntry> take_inventory(const JobSpec& spec);

// Whether `region` is selected by data.regions (empty: every region).
bool region_selected(const JobSpec& spec, const std::string& region);

// Regions of `info` that are selected and have at least data.min_units units, sorted.
std::vector<std::string> qualifying_regions(const JobSpec& spec, const io::SessionInfo& info);

// Results-file group names for sessions: identifier with '/' -> '_' (the file name's stem when
// the identifier is empty, "." or ".."), made unique with "-2", "-3"... in the order given.
std::vector<std::string> session_keys(const std::vector<std::string>& identifiers,
                                      const std::vector<std::string>& files);

} // namespace neuropop::jobs
