#pragma once
// Reads an IBL ALF probe folder (spikes.times.npy, spikes.clusters.npy, clusters.<attr>.npy) and
// the session's _ibl_trials.<attr>.npy files (in the folder or its parent, as in
// alf/probe00/...) into an ImportedSession. Parquet tables (*.pqt) are not read: Debian 12 has
// no C++ parquet library. Every malformed input is an io::InputError naming file, field, rule.

#include <string>

#include "io/import_session.hpp"

namespace neuropop::io {

struct AlfImportOptions {
    std::string dir;
    std::string trials_file; // CSV/TSV instead of _ibl_trials.*.npy when set
    RegionSource regions;    // column: clusters.<column>.npy
    SessionMeta meta;
};

ImportedSession read_alf(const AlfImportOptions& options);

} // namespace neuropop::io
